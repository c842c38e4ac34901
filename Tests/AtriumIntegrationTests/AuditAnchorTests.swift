import AtriumHTTP
@testable import AtriumStorage
import Foundation
import PostgresNIO
import Testing

@Suite("Audit chain anchors", .timeLimit(.minutes(3)))
struct AuditAnchorTests {
    @Test("rows removed from the tail after an anchor are reported as truncation naming the anchored seq")
    func truncationIsDetected() async throws {
        try await TestEnv.with("anchor") { s in
            // setup: tenant.created is seq 1, then three more rows
            let t = try await s.makeTenant("anc")
            for i in 1...3 {
                try await s.tenantDB.transaction(t.handle) { tx in try await AuditLog.append(AuditEntry(actor: "test", action: "anchor.\(i)"), in: tx) }
            }
            let anchor = try #require(try await AuditAnchors.anchor(t.handle, tenantDB: s.tenantDB))
            #expect(anchor.seq == 4)
            #expect(try await AuditAnchors.anchor(t.handle, tenantDB: s.tenantDB) == anchor) // unchanged head: no new anchor
            #expect(try await AuditAnchors.verify(t.handle, tenantDB: s.tenantDB) == .intact(head: 4))
            let platformRows = try await s.database.platform { conn in
                try await conn.query("SELECT count(*)::int FROM platform.audit_log WHERE action = 'audit.anchored' AND subject = \(t.handle.slug)",
                                     logger: s.logger).collect().first?.decode(Int.self)
            }
            #expect(platformRows == 1)
            // MUT: delete the last two rows as someone with database access would
            let table = "\(t.handle.schema.quoted).audit_log"
            try await s.asSuperuser(["ALTER TABLE \(table) DISABLE TRIGGER USER", "DELETE FROM \(table) WHERE seq > 2", "ALTER TABLE \(table) ENABLE TRIGGER USER"])
            // validate: the links alone still verify; the anchor does not
            let links = try await s.tenantDB.transaction(t.handle) { tx in try await AuditLog.verify(in: tx) }
            #expect(links == nil)
            let status = try await AuditAnchors.verify(t.handle, tenantDB: s.tenantDB)
            #expect(status == .truncated(anchoredSeq: 4, head: 2))
            #expect(status.description == "truncated: anchored seq 4 is gone (chain ends at seq 2)")
        }
    }

    @Test("a tail cut and re-grown to the anchored length is still detected")
    func regrownTailIsDetected() async throws {
        try await TestEnv.with("anchorre") { s in
            let t = try await s.makeTenant("anr")
            for i in 1...2 {
                try await s.tenantDB.transaction(t.handle) { tx in try await AuditLog.append(AuditEntry(actor: "test", action: "anchor.\(i)"), in: tx) }
            }
            try await AuditAnchors.anchor(t.handle, tenantDB: s.tenantDB)
            let table = "\(t.handle.schema.quoted).audit_log"
            try await s.asSuperuser(["ALTER TABLE \(table) DISABLE TRIGGER USER", "DELETE FROM \(table) WHERE seq > 1", "ALTER TABLE \(table) ENABLE TRIGGER USER"])
            for i in 1...2 {
                try await s.tenantDB.transaction(t.handle) { tx in try await AuditLog.append(AuditEntry(actor: "test", action: "other.\(i)"), in: tx) }
            }
            #expect(try await AuditAnchors.verify(t.handle, tenantDB: s.tenantDB) == .truncated(anchoredSeq: 3, head: 3))
        }
    }

    @Test("the anchoring service anchors every tenant in one pass")
    func serviceAnchorsAll() async throws {
        try await TestEnv.with("anchorsvc") { s in
            let a = try await s.makeTenant("sva")
            let b = try await s.makeTenant("svb")
            let service = AuditAnchorService(tenantDB: s.tenantDB, logger: s.logger) { [a.handle, b.handle] }
            await service.anchorAll()
            #expect(try await AuditAnchors.latest(a.handle.id, database: s.database)?.seq == 1)
            #expect(try await AuditAnchors.latest(b.handle.id, database: s.database)?.seq == 1)
        }
    }

    /// An idle brand's head does not move, so its last anchor still pins it: the pass skips it until
    /// `audit_log` counts an insert or its sweep is due.
    @Test("with table activity, a tenant is anchored again only when its audit_log counter moved (or counters are unknown)")
    func serviceSkipsQuietTenants() async throws {
        try await TestEnv.with("anchorquiet") { s in
            let t = try await s.makeTenant("anq")
            let schema = t.handle.schema.name
            let activity = TableActivity(database: s.database, tables: AuditAnchorService.watchedTables, insertsOnly: true)
            let service = AuditAnchorService(tenantDB: s.tenantDB, activity: activity, logger: s.logger) { [t.handle] }
            await service.anchorAll(pass: ActivityPass(activity, counters: [schema: 1]))
            #expect(try await AuditAnchors.latest(t.handle.id, database: s.database)?.seq == 1)
            // MUT: the chain grows, but the pass is given the same counter
            try await s.tenantDB.transaction(t.handle) { tx in try await AuditLog.append(AuditEntry(actor: "test", action: "anchor.quiet"), in: tx) }
            await service.anchorAll(pass: ActivityPass(activity, counters: [schema: 1]))
            // validate: skipped; a moved counter, or unknown counters, anchor the new head
            #expect(try await AuditAnchors.latest(t.handle.id, database: s.database)?.seq == 1)
            await service.anchorAll(pass: ActivityPass(activity, counters: [schema: 2]))
            #expect(try await AuditAnchors.latest(t.handle.id, database: s.database)?.seq == 2)
            try await s.tenantDB.transaction(t.handle) { tx in try await AuditLog.append(AuditEntry(actor: "test", action: "anchor.unknown"), in: tx) }
            await service.anchorAll(pass: ActivityPass(activity, counters: nil))
            #expect(try await AuditAnchors.latest(t.handle.id, database: s.database)?.seq == 3)
        }
    }
}
