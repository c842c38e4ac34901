import AtriumCompliance
import AtriumCore
import AtriumStorage
import Foundation
import PostgresNIO
import Testing

/// Trading risk flags from synced deals: each flag fires on its fixture with exact facts, its
/// near miss raises nothing, and a re-run adds nothing.
@Suite("Trading risk flags", .timeLimit(.minutes(3)))
struct RiskFlagTests {
    static func flags(_ f: RiskFixture, _ client: UUID) async throws -> [RiskFlag] {
        try await f.s.tenantDB.transaction(f.aurora.handle) { tx in try await RiskFlags.of(client: client, in: tx) }
    }

    static func run(_ f: RiskFixture) async throws {
        _ = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in try await RiskFlags.run(in: tx) }
    }

    static func base() -> Int64 { Int64.random(in: 1_000_000...900_000_000_000) }

    @Test("latency arbitrage: 8 of 10 positions held 5 s flag once with the counts; 4 of 10 and 9 of 9 do not")
    func latency() async throws {
        try await RiskFixture.with { f, _ in
            // setup
            let p = RiskFixture.prefix("lat")
            let scalper = try await f.client("\(p)-a@risk.test"), calm = try await f.client("\(p)-b@risk.test"), few = try await f.client("\(p)-c@risk.test")
            let (a, b, c) = (try await f.account(scalper), try await f.account(calm), try await f.account(few))
            let start = RiskFixture.nowMsc - 3_600_000, pos = Self.base()
            for i in 0..<10 { try await f.position(a, pos + Int64(i), opened: start + Int64(i) * 60_000, heldSeconds: i < 8 ? 5 : 120) }
            for i in 0..<10 { try await f.position(b, pos + 100 + Int64(i), opened: start + Int64(i) * 60_000, heldSeconds: i < 4 ? 5 : 120) }
            for i in 0..<9 { try await f.position(c, pos + 200 + Int64(i), opened: start + Int64(i) * 60_000, heldSeconds: 5) }
            // MUT
            try await Self.run(f)
            try await Self.run(f)
            // validate
            let flags = try await Self.flags(f, scalper)
            #expect(flags.count == 1)
            let flag = try #require(flags.first)
            #expect(flag.kind == .latencyArbitrage)
            #expect(flag.status == "open")
            let facts = try CanonicalJSON.decode(LatencyFacts.self, from: flag.facts)
            #expect(facts == LatencyFacts(closedPositions: 10, shortPositions: 8, shortShareBasisPoints: 8_000, shortHoldSeconds: 30, windowDays: 30,
                                          newestCloseMsc: start + 9 * 60_000 + 120_000))
            #expect(try await Self.flags(f, calm).isEmpty)
            #expect(try await Self.flags(f, few).isEmpty)
        }
    }

    @Test("related hedging: opposite EURUSD positions open together on two clients sharing an IP flag both; unrelated clients do not")
    func hedging() async throws {
        try await RiskFixture.with { f, _ in
            // setup
            let p = RiskFixture.prefix("hedge")
            let one = try await f.client("\(p)-1@risk.test"), two = try await f.client("\(p)-2@risk.test")
            let three = try await f.client("\(p)-3@risk.test"), four = try await f.client("\(p)-4@risk.test")
            let octet = Int.random(in: 1...250)
            let shared = "198.51.\(octet).7"
            try await f.session(one, ip: shared, userAgent: "Browser/\(p)-1")
            try await f.session(two, ip: shared, userAgent: "Browser/\(p)-2")
            try await f.session(three, ip: "192.0.\(octet).3", userAgent: "Browser/\(p)-3")
            try await f.session(four, ip: "192.0.\(octet).4", userAgent: "Browser/\(p)-4")
            let (a1, a2, a3, a4) = (try await f.account(one), try await f.account(two), try await f.account(three), try await f.account(four))
            let start = RiskFixture.nowMsc - 7_200_000, pos = Self.base()
            let symbol = "X\(p.suffix(5).uppercased())"
            try await f.position(a1, pos, side: "buy", symbol: symbol, opened: start, heldSeconds: 600)
            try await f.position(a2, pos + 1, side: "sell", symbol: symbol, opened: start + 60_000, heldSeconds: 240)
            try await f.position(a3, pos + 2, side: "buy", symbol: symbol, opened: start, heldSeconds: 600)
            try await f.position(a4, pos + 3, side: "sell", symbol: symbol, opened: start + 60_000, heldSeconds: 240)
            // MUT
            try await Self.run(f)
            try await Self.run(f)
            // validate
            let first = try await Self.flags(f, one), second = try await Self.flags(f, two)
            #expect(first.count == 1)
            #expect(second.count == 1)
            let facts = try CanonicalJSON.decode(HedgingFacts.self, from: try #require(first.first).facts)
            #expect(facts == HedgingFacts(symbol: symbol, position: pos, side: "buy", otherClient: two.uuidString.lowercased(), otherPosition: pos + 1,
                                          otherSide: "sell", shared: ["ip:\(shared)"], overlapFromMsc: start + 60_000))
            let back = try CanonicalJSON.decode(HedgingFacts.self, from: try #require(second.first).facts)
            #expect(back.otherClient == one.uuidString.lowercased())
            #expect(back.side == "sell")
            #expect(try await Self.flags(f, three).isEmpty)
            #expect(try await Self.flags(f, four).isEmpty)
        }
    }

    @Test("abnormal size: 15 lots after six 1-lot deals flags with the median; 9 lots does not")
    func abnormalSize() async throws {
        try await RiskFixture.with { f, _ in
            // setup
            let p = RiskFixture.prefix("size")
            let big = try await f.client("\(p)-big@risk.test"), normal = try await f.client("\(p)-normal@risk.test")
            let (a, b) = (try await f.account(big), try await f.account(normal))
            let start = RiskFixture.nowMsc - 86_400_000, pos = Self.base()
            for i in 0..<6 {
                try await f.deal(a, position: pos + Int64(i), entry: "in", side: "buy", symbol: "GBPUSD", volume: 100_000_000, at: start + Int64(i) * 60_000)
                try await f.deal(b, position: pos + 50 + Int64(i), entry: "in", side: "buy", symbol: "GBPUSD", volume: 100_000_000, at: start + Int64(i) * 60_000)
            }
            try await f.deal(a, position: pos + 10, entry: "in", side: "buy", symbol: "GBPUSD", volume: 1_500_000_000, at: start + 3_600_000)
            try await f.deal(b, position: pos + 60, entry: "in", side: "buy", symbol: "GBPUSD", volume: 900_000_000, at: start + 3_600_000)
            // MUT
            try await Self.run(f)
            try await Self.run(f)
            // validate
            let flags = try await Self.flags(f, big)
            #expect(flags.count == 1)
            let facts = try CanonicalJSON.decode(SizeFacts.self, from: try #require(flags.first).facts)
            #expect(facts.symbol == "GBPUSD")
            #expect(facts.volumeExt == 1_500_000_000)
            #expect(facts.medianVolumeExt == 100_000_000)
            #expect(facts.historyDeals == 6)
            #expect(facts.multiple == 10)
            #expect(try await Self.flags(f, normal).isEmpty)
        }
    }

    @Test("open(for:) returns a client's open flags for the IB checks; marking reviewed empties it and is audited")
    func openAndReview() async throws {
        try await RiskFixture.with { f, _ in
            // setup
            let p = RiskFixture.prefix("open")
            let client = try await f.client("\(p)@risk.test"), other = try await f.client("\(p)-o@risk.test")
            let a = try await f.account(client)
            let start = RiskFixture.nowMsc - 3_600_000, pos = Self.base()
            for i in 0..<10 { try await f.position(a, pos + Int64(i), opened: start + Int64(i) * 60_000, heldSeconds: 2) }
            try await Self.run(f)
            let handle = f.aurora.handle
            let open = try await f.s.tenantDB.transaction(handle) { tx in try await RiskFlags.open(for: [client, other], in: tx) }
            #expect(open.map(\.client) == [client])
            // MUT
            let id = try #require(open.first?.id)
            let marked = try await f.s.tenantDB.transaction(handle) { tx in try await RiskFlags.markReviewed(id, actor: "staff:test", requestID: "rq-\(p)", in: tx) }
            let again = try await f.s.tenantDB.transaction(handle) { tx in try await RiskFlags.markReviewed(id, actor: "staff:test", requestID: "rq2-\(p)", in: tx) }
            // validate
            #expect(marked)
            #expect(!again)
            #expect(try await f.s.tenantDB.transaction(handle) { tx in try await RiskFlags.open(for: [client], in: tx) }.isEmpty)
            let audited = try await f.s.tenantDB.transaction(handle) { tx in
                try await tx.query("SELECT count(*)::int FROM audit_log WHERE action = 'risk_flag.reviewed' AND subject = \("client:\(client.uuidString.lowercased())")")
                    .collect().first?.decode(Int.self)
            }
            #expect(audited == 1)
            // the reviewed finding is not raised again for the same deals
            try await Self.run(f)
            #expect(try await Self.flags(f, client).count == 1)
        }
    }
}
