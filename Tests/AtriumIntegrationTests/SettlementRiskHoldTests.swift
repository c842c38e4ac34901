import AtriumBrandConfig
import AtriumCore
import AtriumHTTP
import AtriumPartners
import AtriumStorage
import Foundation
import PostgresNIO
import Testing

/// IB abuse check: commission earned on clients with open trading risk flags is not paid automatically.
@Suite("Settlement holds commission of flagged clients for Finance (IB abuse check)", .serialized, .timeLimit(.minutes(3)))
struct SettlementRiskHoldTests {
    static let dec6 = SettlementFixture.at("2026-12-06T12:00:00Z")

    @Test("an open latency-arbitrage flag on the client sends a settlement under the limit to Finance with a note; once reviewed, the next one is automatic")
    func openFlagHoldsAutoApproval() async throws {
        try await TestEnv.with("stlrisk") { s in
            // setup: a flagged client
            let f = try await SettlementFixture.make(s, prefix: "stlrisk")
            try await f.line(1_000, at: "2026-12-03T10:00:00Z", deal: 1)
            let flag = try await f.tx { tx in
                try #require(try await tx.query("""
                    INSERT INTO risk_flags (client_id, kind, facts, fingerprint) VALUES (\(f.client), 'latency_arbitrage', '{}'::jsonb, 'test-1') RETURNING id
                    """).collect().first?.decode(UUID.self))
            }
            // MUT: 1,000 is under the 10,000 limit
            let report = try await s.settlements.run(tenant: f.handle, program: SettlementFixture.program("daily"), now: Self.dec6)
            // validate
            #expect(report.created == [.awaitingApproval: 1])
            #expect(try await f.settlements() == ["2026-12-03 1000 1 awaiting_approval"])
            #expect(try await f.wallet().balance == 0)
            let note = try await f.tx { tx in try await tx.query("SELECT note FROM commission_settlements").collect().first?.decode(String.self) }
            #expect(note == "held for review: 1 client with open trading risk flags")

            // the flag is reviewed: the next day's settlement is automatic again
            try await f.tx { tx in try await tx.query("UPDATE risk_flags SET status = 'reviewed', reviewed_by = 'test', reviewed_at = now() WHERE id = \(flag)") }
            try await f.line(2_000, at: "2026-12-04T10:00:00Z", deal: 2)
            let next = try await s.settlements.run(tenant: f.handle, program: SettlementFixture.program("daily"), now: Self.dec6)
            #expect(next.created == [.approved: 1])
            #expect(try await f.wallet().balance == 2_000)
        }
    }
}
