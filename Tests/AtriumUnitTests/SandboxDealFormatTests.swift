import Foundation
import Testing
@testable import AtriumSandbox

@Suite("Sandbox deals: old data loads, scripted trades refuse bad input")
struct SandboxDealFormatTests {
    /// A snapshot and journal as written before deals had VolumeExt, VolumeClosedExt and TimeMsc.
    static let oldSnapshot = """
        {"version":1,"counters":{"nextMT5Login":500002,"nextMTRLogin":700001,"nextTicket":100000004},
         "groups":[{"name":"real\\\\raw","currency":"USD"}],"persons":[],
         "accounts":[{"login":500001,"group":"real\\\\raw","currency":"USD","name":"Old","email":"old@x.test","leverage":100,"rights":355,
                      "balance":100000,"credit":0,"registration":1700000000,"passwordSHA256":"00"}],
         "positions":[{"id":100000003,"login":500001,"symbol":"EURUSD","action":1,"volume":2000,"openPrice":108500,"openTime":1700000100,"openTick":0}],
         "deals":[{"t":100000001,"l":500001,"tm":1700000010,"a":0,"e":0,"s":"EURUSD","v":1000,"p":108500,"pp":0,"pr":0,"c":-35,"st":0,"cm":"","pi":100000001},
                  {"t":100000002,"l":500001,"tm":1700000020,"a":1,"e":1,"s":"EURUSD","v":1000,"p":108600,"pp":108500,"pr":1000,"c":-35,"st":0,"cm":"","pi":100000001}]}
        """
    static let oldJournal = """
        {"deals":[{"t":100000003,"l":500001,"tm":1700000100,"a":1,"e":0,"s":"EURUSD","v":2000,"p":108500,"pp":0,"pr":0,"c":-70,"st":0,"cm":"","pi":100000003}]}

        """

    static func engine(files: [String: String]) throws -> SandboxPlatform {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-old-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
        var c = SandboxConfiguration()
        c.dataDirectory = dir
        c.tradeGroupPatterns = []
        return try SandboxPlatform(configuration: c)
    }

    @Test("an old snapshot and journal load: volumes × 10,000, times × 1,000, an out deal closed all of its volume")
    func oldDataLoads() async throws {
        // MUT
        let engine = try Self.engine(files: ["snapshot.json": Self.oldSnapshot, "journal.jsonl": Self.oldJournal])
        // validate
        let deals = await engine.store.deals
        #expect(deals.map(\.ticket) == [100_000_001, 100_000_002, 100_000_003])
        #expect(deals.map(\.exactVolume) == [10_000_000, 10_000_000, 20_000_000])
        #expect(deals.map(\.exactClosedVolume) == [0, 10_000_000, 0])
        #expect(deals.map(\.milliseconds) == [1_700_000_010_000, 1_700_000_020_000, 1_700_000_100_000])
        #expect(await engine.store.closingDealIndexes == [1])
        #expect(await engine.store.positions[100_000_003]?.exactVolume == 20_000_000)
    }

    @Test("scripted trades: partial close leaves the rest, a reversal needs more than the position, close-by needs an opposite position; a correction survives a restart")
    func scriptedTrades() async throws {
        let engine = try Self.engine(files: ["snapshot.json": Self.oldSnapshot])
        func post(_ path: String, _ json: String) async -> (Int, String) {
            let r = await engine.handle(SandboxHTTPRequest(method: "POST", path: "/control/" + path, query: [:], headers: [:], body: Array(json.utf8)))
            return (r.status, String(decoding: r.body, as: UTF8.self))
        }
        // the old sell position of 0.2 lot: close 0.05 of it
        let partial = await post("close", #"{"login":500001,"position":100000003,"volume":"0.05"}"#)
        #expect(partial.0 == 200)
        #expect(partial.1.contains(#""volumeClosedExt":5000000"#))
        #expect(await engine.store.positions[100_000_003]?.exactVolume == 15_000_000)
        #expect(await engine.store.positions[100_000_003]?.volume == 1_500)
        #expect(await post("close", #"{"login":500001,"position":100000003,"volume":"0.2"}"#).0 == 400)
        #expect(await post("reverse", #"{"login":500001,"position":100000003,"volume":"0.15"}"#) == (400, #"{"error":"a reversal needs a volume above the position's 15000000"}"#))
        #expect(await post("close-by", #"{"login":500001,"position":100000003,"by":100000003}"#).0 == 400)
        #expect(await post("open", #"{"login":500001,"symbol":"NOPE","side":"buy","volume":"0.1"}"#) == (400, #"{"error":"unknown symbol NOPE"}"#))
        #expect(await post("open", #"{"login":500001,"symbol":"EURUSD","side":"buy","volume":"0.000000001"}"#).0 == 400)
        #expect(await post("correct-deal", #"{"deal":100000002}"#) == (400, #"{"error":"volume or commission is required"}"#))
        // MUT: a correction is journaled and replayed
        let before = try #require(await engine.store.accounts[500_001]?.balance)
        #expect(await post("correct-deal", #"{"deal":100000002,"commission":"-1.00"}"#).0 == 200)
        let restarted = try SandboxPlatform(configuration: await engine.configuration)
        // validate
        #expect(await restarted.store.deal(ticket: 100_000_002)?.commission == -100)
        #expect(await restarted.store.positions[100_000_003]?.exactVolume == 15_000_000)
        #expect(await restarted.store.accounts[500_001]?.balance == before - 65, "the balance moves by the commission difference (-1.00 for -0.35)")
    }
}
