import AtriumStorage
import Foundation
import PostgresNIO

/// One stored load of a list (`platform.sanction_list_versions`).
public struct ListVersion: Sendable, Equatable {
    public let id: UUID
    public let source: ListSource
    public let publishedAt: Date?
    public let loadedAt: Date
    public let loadedBy: String
    public let entries: Int
    public let aliases: Int
    public let checksum: String
    /// `current` or `superseded`.
    public let status: String
}

/// Stores parsed lists in the platform tables and reads the current versions back for the matcher.
/// Lists are platform data (platform migration 0006): the app's own connection reads them outside
/// any tenant transaction.
public enum SanctionListStore {
    /// Entries per INSERT statement: arrays are bound as parameters and unnested, so a statement's size
    /// does not grow its parameter count; the batch only bounds one message's size.
    static let batch = 5_000

    /// Stores `list` as the new current version of its source in one platform transaction: the version
    /// row, its entries and aliases, the previous current version superseded, and a platform audit entry.
    /// A failure leaves nothing written and the previous version current.
    @discardableResult
    public static func store(_ list: ParsedList, actor: String, requestID: String = "", database: Database) async throws -> ListVersion {
        let logger = database.logger
        let source = list.source.rawValue
        return try await database.platform { conn in
            // Two loads of one source at once would both try to become `current`; the second waits here.
            _ = try await conn.query("SELECT pg_advisory_xact_lock(hashtext(\("sanction_list:" + source)))", logger: logger).collect()
            let previous = try await conn.query("""
                UPDATE platform.sanction_list_versions SET status = 'superseded'
                WHERE source = \(source) AND status = 'current' RETURNING id
                """, logger: logger).collect().first?.decode(UUID.self)
            let entryCount = list.entries.count
            let aliasCount = list.aliasCount
            guard let versionRow = try await conn.query("""
                INSERT INTO platform.sanction_list_versions (source, published_at, loaded_by, entries, aliases, checksum, status)
                VALUES (\(source), \(list.publishedAt), \(actor), \(entryCount), \(aliasCount), \(list.checksum), 'current')
                RETURNING id, loaded_at
                """, logger: logger).collect().first else { throw StoreFailure.noVersionRow }
            let (versionID, loadedAt) = try versionRow.decode((UUID, Date).self)

            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            var start = 0
            while start < list.entries.count {
                let slice = list.entries[start..<min(start + batch, list.entries.count)]
                try await insert(slice, version: versionID, encoder: encoder, on: conn, logger: logger)
                start += batch
            }
            let after = try JSONSerialization.data(withJSONObject: [
                "version": versionID.uuidString.lowercased(), "entries": entryCount, "aliases": aliasCount, "checksum": list.checksum,
                "published_at": list.publishedAt.map { $0.formatted(.iso8601) } ?? "",
                "superseded": previous?.uuidString.lowercased() ?? "",
            ] as [String: Any], options: [.sortedKeys])
            try await AuditLog.appendPlatform(AuditEntry(actor: actor, action: "sanction_list.loaded", subject: source,
                                                         after: String(decoding: after, as: UTF8.self), requestID: requestID),
                                              on: conn, logger: logger)
            return ListVersion(id: versionID, source: list.source, publishedAt: list.publishedAt, loadedAt: loadedAt, loadedBy: actor,
                               entries: entryCount, aliases: aliasCount, checksum: list.checksum, status: "current")
        }
    }

    /// Inserts one batch of entries, then their aliases against the ids the entries got.
    private static func insert(_ entries: ArraySlice<ParsedEntry>, version: UUID, encoder: JSONEncoder,
                               on conn: PostgresConnection, logger: Logger) async throws {
        // text[] columns travel as one string each, joined by the unit separator (never in list text).
        let sep = "\u{1F}"
        var refs: [String] = [], kinds: [String] = [], names: [String] = [], programs: [String] = [], countries: [String] = []
        var dobs: [String] = [], pobs: [String] = [], ids: [String] = [], remarks: [String] = [], sums: [String] = []
        for e in entries {
            refs.append(e.sourceRef); kinds.append(e.kind); names.append(e.primaryName)
            programs.append(e.programs.joined(separator: sep)); countries.append(e.countries.joined(separator: sep))
            dobs.append(String(decoding: try encoder.encode(e.datesOfBirth.map(BirthDateJSON.init)), as: UTF8.self))
            pobs.append(e.placesOfBirth.joined(separator: sep))
            ids.append(String(decoding: try encoder.encode(e.identifiers), as: UTF8.self))
            remarks.append(e.remarks); sums.append(e.checksum)
        }
        let rows = try await conn.query("""
            INSERT INTO platform.sanction_entries
                (version_id, source_ref, kind, primary_name, programs, countries, dates_of_birth, places_of_birth, identifiers, remarks, checksum)
            SELECT \(version), r, k, n, string_to_array(p, \(sep)), string_to_array(c, \(sep)), d::jsonb,
                   string_to_array(b, \(sep)), i::jsonb, m, s
            FROM unnest(\(refs)::text[], \(kinds)::text[], \(names)::text[], \(programs)::text[], \(countries)::text[],
                        \(dobs)::text[], \(pobs)::text[], \(ids)::text[], \(remarks)::text[], \(sums)::text[])
                 WITH ORDINALITY AS t(r, k, n, p, c, d, b, i, m, s, ord)
            ORDER BY ord
            RETURNING id, source_ref
            """, logger: logger).collect()
        var idByRef: [String: Int64] = [:]
        for row in rows {
            let (id, ref) = try row.decode((Int64, String).self)
            idByRef[ref] = id
        }
        var aliasEntries: [Int64] = [], aliasNames: [String] = [], qualities: [String] = []
        for e in entries {
            guard let id = idByRef[e.sourceRef] else { throw StoreFailure.entryNotInserted(e.sourceRef) }
            for alias in e.aliases {
                aliasEntries.append(id); aliasNames.append(alias.name); qualities.append(alias.strong ? "strong" : "weak")
            }
        }
        guard !aliasEntries.isEmpty else { return }
        _ = try await conn.query("""
            INSERT INTO platform.sanction_aliases (entry_id, name, quality)
            SELECT * FROM unnest(\(aliasEntries)::bigint[], \(aliasNames)::text[], \(qualities)::text[])
            """, logger: logger).collect()
    }

    /// Every version of every source, newest first.
    public static func versions(_ database: Database, limit: Int = 50) async throws -> [ListVersion] {
        let logger = database.logger
        return try await database.platform { conn in
            try await conn.query("""
                SELECT id, source, published_at, loaded_at, loaded_by, entries, aliases, checksum, status
                FROM platform.sanction_list_versions ORDER BY loaded_at DESC, id LIMIT \(limit)
                """, logger: logger).collect().map { row in
                    let (id, source, published, loaded, by, entries, aliases, checksum, status) =
                        try row.decode((UUID, String, Date?, Date, String, Int, Int, String, String).self)
                    return ListVersion(id: id, source: ListSource(rawValue: source) ?? .ofac, publishedAt: published, loadedAt: loaded,
                                       loadedBy: by, entries: entries, aliases: aliases, checksum: checksum, status: status)
                }
        }
    }

    /// The entries of the current version of each source with their aliases, for the matcher's index.
    /// One statement, so the entries and aliases come from the same snapshot even while a load commits.
    /// It runs on a connection outside the pool: screening builds the index from it while the
    /// request that screens holds a pool connection (see `Database.standalone`).
    public static func current(_ database: Database) async throws -> [ListEntry] {
        let logger = database.logger
        let decoder = JSONDecoder()
        return try await database.standalone { conn in
            try await conn.query("""
                SELECT v.id, v.source, e.source_ref, e.kind, e.primary_name, e.programs, e.countries, e.dates_of_birth::text, e.checksum,
                       COALESCE(array_agg(a.name ORDER BY a.id) FILTER (WHERE a.id IS NOT NULL), '{}'),
                       COALESCE(array_agg(a.quality ORDER BY a.id) FILTER (WHERE a.id IS NOT NULL), '{}')
                FROM platform.sanction_list_versions v
                JOIN platform.sanction_entries e ON e.version_id = v.id
                LEFT JOIN platform.sanction_aliases a ON a.entry_id = e.id
                WHERE v.status = 'current'
                GROUP BY v.id, e.id
                ORDER BY v.source, e.id
                """, logger: logger).collect().map { row in
                    let (version, source, ref, kind, name, programs, countries, dobs, checksum, aliasNames, qualities) =
                        try row.decode((UUID, String, String, String, String, [String], [String], String, String, [String], [String]).self)
                    let births = try decoder.decode([BirthDateJSON].self, from: Data(dobs.utf8)).compactMap(\.birthDate)
                    let aliases = zip(aliasNames, qualities).map { ListEntry.Alias(name: $0, strong: $1 == "strong") }
                    return ListEntry(versionID: version, source: source, ref: ref, kind: kind, primaryName: name, aliases: aliases,
                                     datesOfBirth: births, countries: countries, programs: programs, checksum: checksum)
                }
        }
    }

    /// A store step that cannot happen unless the database misbehaves.
    enum StoreFailure: Error {
        case noVersionRow
        case entryNotInserted(String)
    }
}
