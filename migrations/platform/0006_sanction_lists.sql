-- Sanctions and PEP lists (issue 13). Public reference data shared by every brand, so it lives in
-- `platform`, not in a tenant schema: the same OFAC or UN file is the same for every broker, loading it
-- once serves all brands, and a brand cannot edit it. What a brand does with a hit (its screening
-- results, false positives, freezes) is tenant data. Tenant tables never reference these rows by
-- foreign key (a tenant schema may live on another node): they keep the version id and the entry's
-- source reference as plain values.

-- One load of one list. Exactly one `current` version per source; a failed load leaves no row.
CREATE TABLE platform.sanction_list_versions (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    source       text NOT NULL CHECK (source IN ('ofac', 'un')),
    published_at timestamptz,
    loaded_at    timestamptz NOT NULL DEFAULT now(),
    loaded_by    text NOT NULL,
    entries      integer NOT NULL CHECK (entries >= 0),
    aliases      integer NOT NULL CHECK (aliases >= 0),
    checksum     text NOT NULL,
    status       text NOT NULL CHECK (status IN ('current', 'superseded'))
);
CREATE UNIQUE INDEX sanction_list_versions_current ON platform.sanction_list_versions (source) WHERE status = 'current';

-- One listed person, organisation, vessel or aircraft of a version.
CREATE TABLE platform.sanction_entries (
    id              bigserial PRIMARY KEY,
    version_id      uuid NOT NULL REFERENCES platform.sanction_list_versions (id) ON DELETE CASCADE,
    -- OFAC `ent_num`, UN `DATAID`: stable across versions, so a false positive can be remembered.
    source_ref      text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('individual', 'entity', 'vessel', 'aircraft', 'other')),
    primary_name    text NOT NULL,
    programs        text[] NOT NULL DEFAULT '{}',
    -- ISO 3166 alpha-2 codes of nationality, citizenship or address where the file names them.
    countries       text[] NOT NULL DEFAULT '{}',
    -- [{"date":"1963-07-28"}, {"year":1963}, {"from":1960,"to":1965}]
    dates_of_birth  jsonb NOT NULL DEFAULT '[]',
    places_of_birth text[] NOT NULL DEFAULT '{}',
    -- [{"type":"Passport","number":"…","country":"…"}]
    identifiers     jsonb NOT NULL DEFAULT '[]',
    remarks         text NOT NULL DEFAULT '',
    -- A digest of everything above: a remembered false positive ends when it changes.
    checksum        text NOT NULL,
    UNIQUE (version_id, source_ref)
);

CREATE TABLE platform.sanction_aliases (
    id       bigserial PRIMARY KEY,
    entry_id bigint NOT NULL REFERENCES platform.sanction_entries (id) ON DELETE CASCADE,
    name     text NOT NULL,
    -- OFAC alt.csv type (`aka`, `fka`, `nka`) and UN QUALITY (`Good`, `Low`) folded to strong/weak.
    quality  text NOT NULL CHECK (quality IN ('strong', 'weak'))
);
CREATE INDEX sanction_aliases_entry ON platform.sanction_aliases (entry_id);

-- Rescreen progress per brand after a new version (shown in the operator console).
CREATE TABLE platform.rescreen_runs (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    version_id  uuid NOT NULL REFERENCES platform.sanction_list_versions (id) ON DELETE CASCADE,
    tenant_id   uuid NOT NULL REFERENCES platform.tenants (id) ON DELETE CASCADE,
    total       integer NOT NULL DEFAULT 0,
    done        integer NOT NULL DEFAULT 0,
    hits        integer NOT NULL DEFAULT 0,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    UNIQUE (version_id, tenant_id)
);
