import AtriumBrandConfig
import AtriumCore
import AtriumHTTP
import AtriumLedger
import AtriumPartners
import AtriumStorage
import Foundation
import PostgresNIO
import Testing

@Suite("Commission settlement", .timeLimit(.minutes(3)))
struct SettlementTests {
    static let dec6 = SettlementFixture.at("2026-12-06T08:00:00Z")

    @Test("settlement pays each IB period once: a rerun makes no second transfer and the balance is exact")
    func exactlyOnce() async throws {
        try await TestEnv.with("stl1") { s in
            // setup
            let f = try await SettlementFixture.make(s)
            try await f.line(1_500, at: "2026-12-03T10:00:00Z", deal: 1)
            try await f.line(2_500, at: "2026-12-03T11:00:00Z", deal: 2)
            // MUT
            let first = try await s.settlements.run(tenant: f.handle, program: SettlementFixture.program("daily"), now: Self.dec6)
            let second = try await s.settlements.run(tenant: f.handle, program: SettlementFixture.program("daily"), now: Self.dec6)
            // validate
            #expect(first.created == [.approved: 1])
            #expect(first.posted == 1)
            #expect(second == SettlementRunReport())
            #expect(try await f.settlements() == ["2026-12-03 4000 2 posted"])
            #expect(try await f.wallet().balance == 4_000)
            #expect(try await f.count("SELECT count(*)::int FROM ledger_transfers WHERE code = 'ib_commission'") == 1)
            let transfer = CommissionSettlements.transferID(partner: f.partner, periodStart: "2026-12-03", currency: "USD")
            #expect(try await f.count("SELECT count(*)::int FROM commission_settlements WHERE ledger_transfer_id = \(transfer)") == 1)
            #expect(try await f.count("SELECT count(*)::int FROM commission_lines WHERE status = 'settled' AND settlement_id IS NOT NULL") == 2)
            let expense = try await f.tx { tx in try await Ledger.house(.commissionExpense, "ib-commission", currency: f.usd, in: tx) }
            #expect(expense.debitsPosted == 4_000)
            try await f.expectConsistent()
        }
    }

    @Test("a worker stopped between posting and marking leaves neither; the next run pays exactly once")
    func crashBetweenPostingAndMarking() async throws {
        try await TestEnv.with("stl2") { s in
            // setup
            let f = try await SettlementFixture.make(s)
            try await f.line(1_500, at: "2026-12-03T10:00:00Z", deal: 1)
            try await f.line(2_500, at: "2026-12-03T11:00:00Z", deal: 2)
            let crashing = CommissionSettlements(tenantDB: s.tenantDB, logger: s.logger) { point in
                if point == "settlement-after-posting" { throw InjectedCrash(point: point) }
            }
            // MUT: the ledger transfer is applied, then the worker stops before marking
            await #expect(throws: InjectedCrash(point: "settlement-after-posting")) {
                try await crashing.run(tenant: f.handle, program: SettlementFixture.program("daily"), now: Self.dec6)
            }
            // validate: the settlement was made (its own transaction) but nothing was paid or marked
            #expect(try await f.settlements() == ["2026-12-03 4000 2 approved"])
            #expect(try await f.count("SELECT count(*)::int FROM ledger_transfers WHERE code = 'ib_commission'") == 0)
            #expect(try await f.wallet().balance == 0)
            #expect(try await f.count("SELECT count(*)::int FROM commission_lines WHERE status = 'pending' AND settlement_id IS NOT NULL") == 2)
            // MUT: the next worker recovers
            let report = try await s.settlements.run(tenant: f.handle, program: SettlementFixture.program("daily"), now: Self.dec6)
            _ = try await s.settlements.run(tenant: f.handle, program: SettlementFixture.program("daily"), now: Self.dec6)
            // validate
            #expect(report.posted == 1)
            #expect(try await f.settlements() == ["2026-12-03 4000 2 posted"])
            #expect(try await f.wallet().balance == 4_000)
            #expect(try await f.count("SELECT count(*)::int FROM ledger_transfers WHERE code = 'ib_commission'") == 1)
            #expect(try await f.count("SELECT count(*)::int FROM commission_lines WHERE status = 'settled'") == 2)
            try await f.expectConsistent()
        }
    }

    @Test("a transfer already in the ledger (its marking lost) is recognised by its id: marked, never paid twice")
    func remarkFromExistingTransfer() async throws {
        try await TestEnv.with("stl3") { s in
            // setup: the settlement exists and its transfer was applied, but the settlement was never marked
            let f = try await SettlementFixture.make(s)
            try await f.line(4_000, at: "2026-12-03T10:00:00Z", deal: 1)
            let stopped = CommissionSettlements(tenantDB: s.tenantDB, logger: s.logger) { point in throw InjectedCrash(point: point) }
            _ = try? await stopped.run(tenant: f.handle, program: SettlementFixture.program("daily"), now: Self.dec6)
            let id = CommissionSettlements.transferID(partner: f.partner, periodStart: "2026-12-03", currency: "USD")
            try await f.tx { tx in
                let settlement = try #require(try await tx.query("SELECT id FROM commission_settlements").collect().first?.decode(UUID.self))
                let expense = try await Ledger.house(.commissionExpense, "ib-commission", currency: f.usd, in: tx)
                let wallet = try await Ledger.wallet(user: f.ibUser, currency: f.usd, in: tx)
                try await Ledger.transfer(id: id, debit: expense, credit: wallet, amount: 4_000, code: "ib_commission",
                                          reference: "settlement:\(settlement.uuidString.lowercased())", in: tx)
            }
            #expect(try await f.wallet().balance == 4_000)
            // MUT
            let report = try await s.settlements.run(tenant: f.handle, program: SettlementFixture.program("daily"), now: Self.dec6)
            // validate
            #expect(report.posted == 1)
            #expect(try await f.settlements() == ["2026-12-03 4000 1 posted"])
            #expect(try await f.wallet().balance == 4_000)
            #expect(try await f.count("SELECT count(*)::int FROM ledger_transfers WHERE code = 'ib_commission'") == 1)
            try await f.expectConsistent()
        }
    }

    @Test("a total up to the brand's limit is approved automatically; above it Finance approves, and it is posted then")
    func autoApprovalAndFinance() async throws {
        try await TestEnv.with("stl4") { s in
            // setup
            let f = try await SettlementFixture.make(s)
            try await f.line(5_000, at: "2026-12-03T10:00:00Z", deal: 1)
            try await f.line(5_001, at: "2026-12-04T10:00:00Z", deal: 2)
            let staff = try await f.tx { tx in try #require(try await tx.query("SELECT id FROM users WHERE audience = 'staff' LIMIT 1").collect().first?.decode(UUID.self)) }
            // MUT
            let report = try await s.settlements.run(tenant: f.handle, program: SettlementFixture.program("daily", autoMax: 5_000), now: Self.dec6)
            // validate
            #expect(report.created == [.approved: 1, .awaitingApproval: 1])
            #expect(try await f.settlements() == ["2026-12-03 5000 1 posted", "2026-12-04 5001 1 awaiting_approval"])
            #expect(try await f.wallet().balance == 5_000)
            let queue = try await s.settlements.list(tenant: f.handle, statuses: [.awaitingApproval])
            #expect(queue.map(\.amount) == [5_001])
            #expect(queue.first?.partnerEmail == "ib@stl.test")
            // MUT: Finance approves
            let approved = try await s.settlements.approve(tenant: f.handle, settlement: try #require(queue.first?.id), staff: staff, note: "checked", requestID: "req-1")
            // validate
            #expect(approved.status == .posted)
            #expect(approved.approvedBy == staff)
            #expect(try await f.wallet().balance == 10_001)
            #expect(try await f.count("SELECT count(*)::int FROM audit_log WHERE action = 'commission.settlement.approved' AND actor = \("staff:" + staff.uuidString.lowercased())") == 1)
            await #expect(throws: SettlementError.invalidState("posted")) {
                try await s.settlements.approve(tenant: f.handle, settlement: approved.id, staff: staff)
            }
            // a currency without a limit always waits
            try await f.line(100, at: "2026-12-05T10:00:00Z", deal: 3)
            let other = try await s.settlements.run(tenant: f.handle, program: TenantConfig.PartnerProgram(settlement: "daily", autoApproveMaxMinor: ["EUR": 1_000_000]),
                                                    now: Self.dec6)
            #expect(other.created == [.awaitingApproval: 1])
            try await f.expectConsistent()
        }
    }

    @Test("a rejected settlement pays nothing, keeps its lines, and cannot be approved afterwards")
    func rejection() async throws {
        try await TestEnv.with("stl5") { s in
            // setup
            let f = try await SettlementFixture.make(s)
            try await f.line(90_000, at: "2026-12-03T10:00:00Z", deal: 1)
            let staff = try await f.tx { tx in try #require(try await tx.query("SELECT id FROM users WHERE audience = 'staff' LIMIT 1").collect().first?.decode(UUID.self)) }
            try await s.settlements.run(tenant: f.handle, program: SettlementFixture.program("daily"), now: Self.dec6)
            let id = try #require(try await s.settlements.list(tenant: f.handle, statuses: [.awaitingApproval]).first?.id)
            // MUT + validate: a reason is required
            await #expect(throws: InputError(field: "reason", reason: "is required")) {
                try await s.settlements.reject(tenant: f.handle, settlement: id, staff: staff, reason: "  ")
            }
            let rejected = try await s.settlements.reject(tenant: f.handle, settlement: id, staff: staff, reason: "self-referral ring", requestID: "req-2")
            #expect(rejected.status == .rejected)
            #expect(rejected.note == "self-referral ring")
            _ = try await s.settlements.run(tenant: f.handle, program: SettlementFixture.program("daily"), now: Self.dec6)
            #expect(try await f.settlements() == ["2026-12-03 90000 1 rejected"])
            #expect(try await f.wallet().balance == 0)
            #expect(try await f.count("SELECT count(*)::int FROM commission_lines WHERE settlement_id = \(id) AND status = 'pending'") == 1)
            #expect(try await f.count("SELECT count(*)::int FROM audit_log WHERE action = 'commission.settlement.rejected' AND subject = \("settlement:" + id.uuidString.lowercased())") == 1)
            await #expect(throws: SettlementError.invalidState("rejected")) {
                try await s.settlements.approve(tenant: f.handle, settlement: id, staff: staff)
            }
        }
    }

    @Test("daily settles each closed day; monthly settles the closed month; the open period waits")
    func dailyAndMonthly() async throws {
        try await TestEnv.with("stl6") { s in
            for frequency in ["daily", "monthly"] {
                // setup
                let f = try await SettlementFixture.make(s, prefix: "stl\(frequency.prefix(1))")
                try await f.line(100, at: "2026-11-10T10:00:00Z", deal: 1)
                try await f.line(200, at: "2026-11-30T23:59:59Z", deal: 2)
                try await f.line(400, at: "2026-12-02T00:00:00Z", deal: 3)
                try await f.line(800, at: "2026-12-05T18:00:00Z", deal: 4)
                try await f.line(1_600, at: "2026-12-06T01:00:00Z", deal: 5)
                // MUT
                try await s.settlements.run(tenant: f.handle, program: SettlementFixture.program(frequency), now: Self.dec6)
                // validate
                if frequency == "daily" {
                    #expect(try await f.settlements() == ["2026-11-10 100 1 posted", "2026-11-30 200 1 posted", "2026-12-02 400 1 posted", "2026-12-05 800 1 posted"])
                    #expect(try await f.wallet().balance == 1_500)
                } else {
                    #expect(try await f.settlements() == ["2026-11-01 300 2 posted"])
                    #expect(try await f.count("SELECT count(*)::int FROM commission_settlements WHERE period_end = '2026-11-30'") == 1)
                    #expect(try await f.wallet().balance == 300)
                }
                #expect(try await f.count("SELECT count(*)::int FROM commission_lines WHERE deal = 5 AND settlement_id IS NULL AND status = 'pending'") == 1)
            }
        }
    }

    @Test("net reversals carry to the next period instead of debiting the IB; excluded lines are never summed")
    func negativeCarry() async throws {
        try await TestEnv.with("stl7") { s in
            // setup
            let f = try await SettlementFixture.make(s)
            let paid = try await f.line(1_000, at: "2026-12-02T10:00:00Z", deal: 1)
            try await s.settlements.run(tenant: f.handle, program: SettlementFixture.program("daily"), now: SettlementFixture.at("2026-12-03T08:00:00Z"))
            try await f.line(-1_000, at: "2026-12-03T10:00:00Z", deal: 1, corrects: paid)
            try await f.line(300, at: "2026-12-03T11:00:00Z", deal: 2)
            try await f.line(0, at: "2026-12-03T12:00:00Z", deal: 3, excluded: "hold_time")
            // MUT: the 3rd nets to -700
            let negative = try await s.settlements.run(tenant: f.handle, program: SettlementFixture.program("daily"), now: SettlementFixture.at("2026-12-04T08:00:00Z"))
            // validate
            #expect(negative.created == [:])
            #expect(try await f.wallet().balance == 1_000)
            // MUT: the 4th earns 2,000 and absorbs the carried -700
            try await f.line(2_000, at: "2026-12-04T10:00:00Z", deal: 4)
            try await s.settlements.run(tenant: f.handle, program: SettlementFixture.program("daily"), now: SettlementFixture.at("2026-12-05T08:00:00Z"))
            // validate
            #expect(try await f.settlements() == ["2026-12-02 1000 1 posted", "2026-12-04 1300 3 posted"])
            #expect(try await f.wallet().balance == 2_300)
            #expect(try await f.count("SELECT count(*)::int FROM commission_lines WHERE deal = 3 AND settlement_id IS NULL") == 1)
            try await f.expectConsistent()
        }
    }
}
