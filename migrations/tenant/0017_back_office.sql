-- Back Office (issue 12): client ownership, notes, tasks, the leads pipeline, custom roles,
-- revocable sessions, brand settings versions from the Back Office and branded email templates.

-- The Sales agent who owns a client. One agent per client; staff without `clients.all` see only
-- the clients assigned to them (ClientScope in AtriumCRM turns this into every query's filter).
CREATE TABLE client_agents (
    client_id   uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    agent_id    uuid NOT NULL REFERENCES users (id),
    assigned_at timestamptz NOT NULL DEFAULT now(),
    assigned_by text NOT NULL
);
CREATE INDEX client_agents_agent ON client_agents (agent_id);

-- Notes on a client: added, never edited or removed (refused by the trigger below).
CREATE TABLE client_notes (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    client_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    author_id  uuid NOT NULL REFERENCES users (id),
    body       text NOT NULL CHECK (length(btrim(body)) BETWEEN 1 AND 5000),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX client_notes_client ON client_notes (client_id, created_at DESC);

CREATE FUNCTION client_notes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'client notes are never edited; add a new note' USING ERRCODE = 'AP004';
END $$;
CREATE TRIGGER client_notes_append_only BEFORE UPDATE OR DELETE ON client_notes
    FOR EACH ROW EXECUTE FUNCTION client_notes_append_only();

-- Tasks for staff, usually about a client. Overdue = open and due_at < now().
CREATE TABLE tasks (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    client_id    uuid REFERENCES users (id) ON DELETE CASCADE,
    title        text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
    details      text NOT NULL DEFAULT '' CHECK (length(details) <= 5000),
    due_at       timestamptz NOT NULL,
    assignee_id  uuid NOT NULL REFERENCES users (id),
    status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
    created_by   uuid NOT NULL REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    CHECK ((status = 'open') = (completed_at IS NULL))
);
CREATE INDEX tasks_assignee_open ON tasks (assignee_id, due_at) WHERE status = 'open';
CREATE INDEX tasks_client ON tasks (client_id, created_at DESC);

-- The leads pipeline: a registered trader who is not yet funded is a lead. No row means stage 'new'.
CREATE TABLE leads (
    client_id   uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    stage       text NOT NULL DEFAULT 'new' CHECK (stage IN ('new', 'contacted', 'documents', 'funded', 'lost')),
    lost_reason text CHECK (lost_reason IS NULL OR length(btrim(lost_reason)) BETWEEN 1 AND 500),
    changed_at  timestamptz NOT NULL DEFAULT now(),
    changed_by  text NOT NULL,
    CHECK ((stage = 'lost') = (lost_reason IS NOT NULL))
);
CREATE INDEX leads_stage ON leads (stage, changed_at DESC);

-- Every stage change, for the client's timeline and the funnel.
CREATE TABLE lead_events (
    id         bigserial PRIMARY KEY,
    client_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    from_stage text NOT NULL,
    to_stage   text NOT NULL,
    reason     text,
    actor      text NOT NULL,
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lead_events_client ON lead_events (client_id, at);

-- Custom roles are edited in the Back Office; built-in ones stay read-only (checked in code and here).
ALTER TABLE roles ADD COLUMN description text NOT NULL DEFAULT '' CHECK (length(description) <= 500);
ALTER TABLE roles ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();

CREATE FUNCTION builtin_roles_read_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The seed (RBAC.seedBuiltinRoles) may add a permission a new release introduces; nothing removes or renames.
    -- One branch per table: a `roles` row has no role_id. Custom roles may change (an UPDATE keeps NEW).
    IF TG_TABLE_NAME = 'roles' THEN
        IF OLD.builtin THEN
            RAISE EXCEPTION 'built-in role % is read-only', OLD.name USING ERRCODE = 'AP005';
        END IF;
    ELSIF EXISTS (SELECT 1 FROM roles WHERE id = OLD.role_id AND builtin) THEN
        RAISE EXCEPTION 'built-in roles are read-only' USING ERRCODE = 'AP005';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER roles_builtin_read_only BEFORE UPDATE OR DELETE ON roles
    FOR EACH ROW EXECUTE FUNCTION builtin_roles_read_only();
CREATE TRIGGER role_permissions_builtin_read_only BEFORE UPDATE OR DELETE ON role_permissions
    FOR EACH ROW EXECUTE FUNCTION builtin_roles_read_only();

-- `clients.all`: see every client, not only those assigned. Every built-in role but Sales holds it.
INSERT INTO role_permissions (role_id, permission)
SELECT id, 'clients.all' FROM roles WHERE builtin AND name <> 'Sales'
ON CONFLICT DO NOTHING;

-- Sessions get a public id, so a staff member can list and revoke them without the token hash leaving the database.
ALTER TABLE sessions ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE sessions ADD COLUMN last_seen_at timestamptz;
CREATE UNIQUE INDEX sessions_id ON sessions (id);

-- Brand settings versions: where a version came from, and which part of the settings it changed.
ALTER TABLE brand_config_versions ADD COLUMN origin text NOT NULL DEFAULT 'file'
    CHECK (origin IN ('file', 'back_office', 'rollback', 'api'));
ALTER TABLE brand_config_versions ADD COLUMN section text NOT NULL DEFAULT '';

-- Four-eyes: a change to PSP credentials or withdrawal limits waits here for a second approver
-- when the brand asks for it (`security.four_eyes`).
CREATE TABLE brand_config_changes (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    section      text NOT NULL,
    base_version integer NOT NULL,
    config       jsonb NOT NULL,
    summary      text NOT NULL DEFAULT '',
    proposed_by  uuid NOT NULL REFERENCES users (id),
    proposed_at  timestamptz NOT NULL DEFAULT now(),
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'superseded')),
    decided_by   uuid REFERENCES users (id),
    decided_at   timestamptz,
    CHECK (decided_by IS NULL OR decided_by <> proposed_by)
);
CREATE INDEX brand_config_changes_pending ON brand_config_changes (proposed_at) WHERE status = 'pending';

-- Branded email templates: an override per template and locale; no row means the default file.
CREATE TABLE email_templates (
    name       text NOT NULL CHECK (name ~ '^[a-z][a-z0-9-]{0,63}$'),
    locale     text NOT NULL CHECK (locale ~ '^[a-z]{2}$'),
    subject    text NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
    body       text NOT NULL CHECK (length(body) BETWEEN 1 AND 100000),
    updated_by text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (name, locale)
);
