import AtriumBrandConfig
import AtriumStorage
import Foundation
import PostgresNIO

/// What one engine pass did.
public struct AMLPass: Sendable, Equatable {
    public var clientsEvaluated = 0
    public var alertsOpened = 0
}

/// The AML rule engine. It runs in the background (`AMLService`), reads payment events and new
/// sessions after its cursors in `aml_progress`, evaluates the brand's enabled rules for each client
/// touched, and opens alerts grouped into the client's open case. It never runs inside a payment's
/// transaction: the money path does no AML work.
public struct AMLEngine: Sendable {
    let tenantDB: TenantDB
    let rules: [any AMLRule]
    let batch: Int

    public init(tenantDB: TenantDB, rules: [any AMLRule] = AMLRules.builtIn, batch: Int = 500) {
        self.tenantDB = tenantDB
        self.rules = rules
        self.batch = batch
    }

    /// Runs passes until no new events are left.
    @discardableResult
    public func runUntilCaughtUp(tenant: TenantHandle, brand: TenantConfig, now: Date = Date()) async throws -> AMLPass {
        var total = AMLPass()
        while true {
            let (pass, more) = try await runPass(tenant: tenant, brand: brand, now: now)
            total.clientsEvaluated += pass.clientsEvaluated
            total.alertsOpened += pass.alertsOpened
            if !more { return total }
        }
    }

    /// One batch in one transaction: the cursors move with the alerts, so a crash loses nothing.
    public func runPass(tenant: TenantHandle, brand: TenantConfig, now: Date = Date()) async throws -> (AMLPass, more: Bool) {
        try await tenantDB.transaction(tenant) { tx in
            _ = try await tx.query("""
                INSERT INTO aml_progress (stream) VALUES ('payment_events'), ('sessions') ON CONFLICT DO NOTHING
                """).collect()
            // Row locks keep two workers from evaluating the same batch at once.
            var cursors: [String: Int64] = [:]
            for row in try await tx.query("SELECT stream, position FROM aml_progress WHERE stream IN ('payment_events', 'sessions') FOR UPDATE").collect() {
                let (stream, position) = try row.decode((String, Int64).self)
                cursors[stream] = position
            }
            var clients = Set<UUID>()
            let events = try await tx.query("""
                SELECT e.id, p.user_id FROM payment_events e JOIN payments p ON p.id = e.payment_id
                WHERE e.id > \(cursors["payment_events"] ?? 0) ORDER BY e.id LIMIT \(batch)
                """).collect()
            var paymentCursor = cursors["payment_events"] ?? 0
            for row in events {
                let (id, user) = try row.decode((Int64, UUID).self)
                paymentCursor = max(paymentCursor, id)
                clients.insert(user)
            }
            // Sessions have no sequence; the cursor is the creation time in microseconds. Rows at the
            // boundary are read again, which is harmless: alert fingerprints make re-evaluation idempotent.
            let sessions = try await tx.query("""
                SELECT s.user_id, (extract(epoch FROM s.created_at) * 1000000)::bigint FROM sessions s JOIN users u ON u.id = s.user_id
                WHERE u.audience = 'trader' AND (extract(epoch FROM s.created_at) * 1000000)::bigint > \(cursors["sessions"] ?? 0)
                ORDER BY s.created_at LIMIT \(batch)
                """).collect()
            var sessionCursor = cursors["sessions"] ?? 0
            for row in sessions {
                let (user, at) = try row.decode((UUID, Int64).self)
                sessionCursor = max(sessionCursor, at)
                clients.insert(user)
            }
            var pass = AMLPass()
            for client in clients.sorted(by: { $0.uuidString < $1.uuidString }) {
                pass.clientsEvaluated += 1
                pass.alertsOpened += try await evaluate(client: client, brand: brand, now: now, in: tx).count
            }
            _ = try await tx.query("UPDATE aml_progress SET position = \(paymentCursor), updated_at = now() WHERE stream = 'payment_events'").collect()
            _ = try await tx.query("UPDATE aml_progress SET position = \(sessionCursor), updated_at = now() WHERE stream = 'sessions'").collect()
            return (pass, events.count == batch || sessions.count == batch)
        }
    }

    /// Evaluates every enabled rule for one client and opens an alert per new finding; returns the new alerts' ids.
    public func evaluate(client: UUID, brand: TenantConfig, now: Date, in tx: TenantTransaction) async throws -> [UUID] {
        let subject = AMLSubject(client: client, now: now, brand: brand)
        var opened: [UUID] = []
        for rule in rules {
            guard let spec = rule.spec else { continue }
            let settings = brand.amlSettings(spec)
            guard settings.enabled else { continue }
            for finding in try await rule.evaluate(subject, settings, in: tx) {
                if let id = try await AMLAlerts.open(rule: rule.id, client: client, finding: finding, in: tx) { opened.append(id) }
            }
        }
        return opened
    }
}
