import AtriumCore
import AtriumCRM
import AtriumHTTP
import AtriumLedger
import AtriumPayments
import Foundation
import Testing

/// A lead becomes funded in the transaction that marks its first deposit succeeded (migration 0019's
/// trigger), through the real sandbox PSP flow; failed deposits and later deposits change nothing.
@Suite("Leads funded by deposits", .serialized, .timeLimit(.minutes(3)))
struct LeadFundingTests {
    @Test("the first succeeded sandbox deposit funds the lead once, with a lead event and an audit row")
    func fundedOnDeposit() async throws {
        try await TestEnv.with("crmfund") { s in
            try await withLiveServer(s) { port in
                // setup: a lead in documents
                let f = try await PayFixture.make(s, port: port, email: "lead-funded@aurora.test")
                let id = f.client.id.uuidString.lowercased()
                try await s.tenantDB.transaction(f.handle) { tx in
                    try await Leads.move(f.client.id, to: "contacted", reason: "", scope: .everyone, actor: "test", requestID: "", in: tx)
                    try await Leads.move(f.client.id, to: "documents", reason: "", scope: .everyone, actor: "test", requestID: "", in: tx)
                }
                // a declined card payment funds nothing
                let (declined, url) = try await f.startCard("40.00")
                _ = try await f.answer(url, outcome: "decline")
                #expect(try await f.waitFor(.failed, declined).status == .failed)
                #expect(try await f.count("SELECT count(*)::int FROM leads WHERE client_id = '\(id)' AND stage = 'documents'") == 1)
                // MUT: a real deposit through the sandbox's hosted page
                let (deposit, page) = try await f.startCard("120.00")
                #expect(try await f.answer(page, outcome: "approve").status == 303)
                // validate
                #expect(try await f.payment(deposit).status == .succeeded)
                #expect(try await f.wallet().balance == 12_000)
                #expect(try await f.count("SELECT count(*)::int FROM leads WHERE client_id = '\(id)' AND stage = 'funded' AND changed_by = 'system:deposit'") == 1)
                #expect(try await f.count("SELECT count(*)::int FROM lead_events WHERE client_id = '\(id)' AND from_stage = 'documents' AND to_stage = 'funded' AND actor = 'system:deposit'") == 1)
                #expect(try await f.count("SELECT count(*)::int FROM audit_log WHERE action = 'lead.stage' AND subject = 'trader:\(id)' AND actor = 'system:deposit' AND after->>'payment' = '\(deposit.uuidString.lowercased())'") == 1)
                #expect(try await f.count("SELECT CASE WHEN audit_verify() IS NULL THEN 1 ELSE 0 END") == 1)
                // a second deposit: still one funded event; a funded lead no longer moves
                try await f.fund("30.00")
                #expect(try await f.wallet().balance == 15_000)
                #expect(try await f.count("SELECT count(*)::int FROM lead_events WHERE client_id = '\(id)' AND to_stage = 'funded'") == 1)
                await #expect(throws: CRMFieldError("stage", .funded)) {
                    try await s.tenantDB.transaction(f.handle) { tx in
                        try await Leads.move(f.client.id, to: "lost", reason: "changed mind", scope: .everyone, actor: "test", requestID: "", in: tx)
                    }
                }
                try await f.expectConsistent()
            }
        }
    }

    @Test("a trader with no lead row is funded from new by a callback-settled deposit")
    func fundedFromNew() async throws {
        try await TestEnv.with("crmfund2") { s in
            try await withLiveServer(s) { port in
                // setup
                let f = try await PayFixture.make(s, port: port, email: "lead-new@aurora.test")
                let id = f.client.id.uuidString.lowercased()
                #expect(try await f.count("SELECT count(*)::int FROM leads WHERE client_id = '\(id)'") == 0)
                // MUT
                try await f.fund("75.00")
                // validate
                #expect(try await f.count("SELECT count(*)::int FROM leads WHERE client_id = '\(id)' AND stage = 'funded'") == 1)
                #expect(try await f.count("SELECT count(*)::int FROM lead_events WHERE client_id = '\(id)' AND from_stage = 'new' AND to_stage = 'funded'") == 1)
                let funded = try await s.tenantDB.transaction(f.handle) { tx in try await Leads.list(.funded, scope: .everyone, in: tx) }
                #expect(funded.map(\.email) == ["lead-new@aurora.test"])
            }
        }
    }
    @Test("a bank wire Finance confirms funds the lead in the confirming transaction")
    func fundedByBankWire() async throws {
        try await TestEnv.with("crmfund3") { s in
            try await withLiveServer(s) { port in
                // setup: a contacted lead with a 100.00 USD wire waiting for Finance
                let f = try await PayFixture.make(s, port: port, email: "lead-wire@aurora.test")
                let id = f.client.id.uuidString.lowercased()
                try await s.tenantDB.transaction(f.handle) { tx in
                    try await Leads.move(f.client.id, to: "contacted", reason: "", scope: .everyone, actor: "test", requestID: "", in: tx)
                }
                let started = try await s.payments.startDeposit(tenant: f.handle, brand: f.brand, client: f.client, pspID: "bank-wire",
                                                                money: try Money.parse("100.00", currency: f.usd), idempotencyKey: UUID().uuidString, origin: f.origin)
                guard case .instructions(let payment, _) = started else { Issue.record("no wire instructions: \(started)"); return }
                #expect(try await f.count("SELECT count(*)::int FROM leads WHERE client_id = '\(id)' AND stage = 'contacted'") == 1)
                let finance = try await f.staff("finance-wire@aurora.test", role: .finance)
                // MUT
                let confirmed = try await s.payments.confirmBankWire(tenant: f.handle, brand: f.brand, payment: payment, staff: finance, received: nil)
                // validate
                #expect(confirmed.status == .succeeded)
                #expect(try await f.wallet().balance == 10_000)
                #expect(try await f.count("SELECT count(*)::int FROM leads WHERE client_id = '\(id)' AND stage = 'funded'") == 1)
                #expect(try await f.count("SELECT count(*)::int FROM lead_events WHERE client_id = '\(id)' AND from_stage = 'contacted' AND to_stage = 'funded'") == 1)
                try await f.expectConsistent()
            }
        }
    }
}
