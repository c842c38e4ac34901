import AtriumBrandConfig
import AtriumCompliance
import Foundation
import Testing

/// The engine: alerts are idempotent, grouped into one open case per client, audited; rules
/// switched off do not fire; the background pass reads new payment events after its cursor.
/// Serialized: the background pass evaluates every client of the shared brand, including the
/// clients the other cases here are about to evaluate themselves.
@Suite("AML engine", .serialized)
struct AMLEngineTests {
    let now = Date()
    func ago(hours: Double) -> Date { now.addingTimeInterval(-hours * 3_600) }

    /// A client with three deposits just under the default threshold (the structuring rule fires).
    func structured(_ f: AMLFixture, payer: String = "", events: Bool = false) async throws -> UUID {
        let c = try await f.client("Structured Client")
        for (i, amount) in [950_000, 960_000, 970_000].enumerated() {
            try await f.payment(c, "deposit", Int64(amount), at: ago(hours: Double(30 - i * 10)), payer: i == 0 ? payer : "", event: events)
        }
        return c
    }

    @Test("a re-run opens no duplicate alert; the alert is in the client's one open case, and both are audited")
    func idempotent() async throws {
        let f = try await AMLFixture.shared.value
        let engine = AMLEngine(tenantDB: f.s.tenantDB)
        let c = try await structured(f)
        let brand = try f.brand
        let first = try await f.tx { tx in try await engine.evaluate(client: c, brand: brand, now: now, in: tx) }
        let second = try await f.tx { tx in try await engine.evaluate(client: c, brand: brand, now: now, in: tx) }
        #expect(first.count == 1)
        #expect(second.isEmpty)
        #expect(try await f.count("SELECT count(*)::int FROM aml_alerts WHERE client_id = '\(c)' AND rule = 'structuring'") == 1)
        #expect(try await f.count("SELECT count(*)::int FROM aml_cases WHERE client_id = '\(c)' AND status = 'open'") == 1)
        #expect(try await f.count("SELECT count(*)::int FROM aml_alerts a JOIN aml_cases k ON k.id = a.case_id WHERE a.client_id = '\(c)'") == 1)
        #expect(try await f.count("SELECT count(*)::int FROM audit_log WHERE action = 'aml.alert_opened' AND subject = '\(c.uuidString.lowercased())'") == 1)
    }

    @Test("two rules firing for one client land in the same case")
    func grouped() async throws {
        let f = try await AMLFixture.shared.value
        let engine = AMLEngine(tenantDB: f.s.tenantDB)
        let c = try await structured(f, payer: "Somebody Else")
        let brand = try f.brand
        let opened = try await f.tx { tx in try await engine.evaluate(client: c, brand: brand, now: now, in: tx) }
        #expect(opened.count == 2)
        #expect(try await f.count("SELECT count(DISTINCT case_id)::int FROM aml_alerts WHERE client_id = '\(c)'") == 1)
        #expect(try await f.count("SELECT count(*)::int FROM aml_cases WHERE client_id = '\(c)'") == 1)
    }

    @Test("a rule switched off in the brand file does not fire")
    func switchedOff() async throws {
        let f = try await AMLFixture.shared.value
        let engine = AMLEngine(tenantDB: f.s.tenantDB)
        let c = try await structured(f)
        let off = try f.brand(rule: "structuring", enabled: false)
        let opened = try await f.tx { tx in try await engine.evaluate(client: c, brand: off, now: now, in: tx) }
        #expect(opened.isEmpty)
        #expect(try await f.count("SELECT count(*)::int FROM aml_alerts WHERE client_id = '\(c)'") == 0)
        #expect(try await f.count("SELECT count(*)::int FROM aml_cases WHERE client_id = '\(c)'") == 0)
    }

    @Test("the background pass picks the client up from new payment events, and a pass from cursor 0 adds nothing")
    func backgroundPass() async throws {
        let f = try await AMLFixture.shared.value
        let engine = AMLEngine(tenantDB: f.s.tenantDB)
        let c = try await structured(f, events: true)
        let brand = try f.brand
        try await engine.runUntilCaughtUp(tenant: f.aurora.handle, brand: brand)
        #expect(try await f.count("SELECT count(*)::int FROM aml_alerts WHERE client_id = '\(c)' AND rule = 'structuring'") == 1)
        let lastEvent = try await f.count("""
            SELECT max(e.id)::int FROM payment_events e JOIN payments p ON p.id = e.payment_id WHERE p.user_id = '\(c)'
            """)
        #expect(try await f.count("SELECT position::int FROM aml_progress WHERE stream = 'payment_events'") >= lastEvent)
        _ = try await f.count("UPDATE aml_progress SET position = 0 RETURNING 1")
        try await engine.runUntilCaughtUp(tenant: f.aurora.handle, brand: brand)
        #expect(try await f.count("SELECT count(*)::int FROM aml_alerts WHERE client_id = '\(c)'") == 1)
        #expect(try await f.count("SELECT count(*)::int FROM aml_cases WHERE client_id = '\(c)'") == 1)
    }
}
