import Foundation
import Testing
@testable import AtriumTrading

@Suite("Platform deals from MT5 and Match-Trader answers")
struct PlatformDealMappingTests {
    /// A server at UTC+2, as Aurora's.
    let mt5 = MT5WebAPIClient(connectionID: "t", endpoint: "http://127.0.0.1:9", managerLogin: "1000", managerPassword: "x", serverTimeOffsetMinutes: 120)

    func deal(_ json: String) throws -> MT5WebAPIClient.Deal {
        try JSONDecoder().decode(MT5WebAPIClient.Deal.self, from: Data(json.utf8))
    }

    func map(_ json: String) throws -> PlatformDeal? {
        let d = try deal(json)
        let time = try #require(mt5.utc(d.Time))
        return try mt5.platformDeal(d, ticket: try #require(Int64(d.Deal)), time: time, exponent: 2, currency: "USD")
    }

    @Test("MT5 Entry numbers are 0 in, 1 out, 2 inout, 3 out_by; anything else is refused")
    func entries() {
        #expect(DealEntry(mt5: "0") == .entryIn)
        #expect(DealEntry(mt5: "1") == .out)
        #expect(DealEntry(mt5: "2") == .inOut)
        #expect(DealEntry(mt5: "3") == .outBy)
        #expect(DealEntry(mt5: "4") == nil)
        #expect(DealEntry.allCases.map(\.rawValue) == ["in", "out", "inout", "out_by"])
    }

    @Test("VolumeExt and TimeMsc are used when present (server time shifted to UTC)")
    func extendedFields() throws {
        let d = try #require(try map("""
            {"Deal":"7","Login":"500001","Time":"1700007200","TimeMsc":"1700007200123","Action":"0","Entry":"0","Symbol":"EURUSD",
             "Volume":"12345","VolumeExt":"123456789","Price":"1.10000","Profit":"0.00","Commission":"-4.32","PositionID":"7"}
            """))
        #expect(d.volumeExt == 123_456_789)
        #expect(d.closedVolumeExt == 0)
        #expect(d.timeMsc == 1_700_000_000_123)
        #expect(d.commission == -432)
        #expect(d.side == .buy)
        #expect(d.positionID == 7)
        #expect(d.streamTicket == 7)
    }

    @Test("without VolumeExt and TimeMsc: Volume × 10,000 and Time × 1,000; an out deal closes all of its volume")
    func standardFields() throws {
        let d = try #require(try map("""
            {"Deal":"9","Login":"500001","Time":"1700007201","Action":"1","Entry":"1","Symbol":"EURUSD","Volume":"5000",
             "Price":"1.10100","Profit":"50.00","Commission":"-1.75","PositionID":"7"}
            """))
        #expect(d.volumeExt == 50_000_000)
        #expect(d.closedVolumeExt == 50_000_000)
        #expect(d.timeMsc == 1_700_000_001_000)
        #expect(d.entry == .out)
        #expect(d.side == .sell)
        #expect(d.profit == 5_000)
    }

    @Test("an inout deal closes VolumeClosedExt, else VolumeClosed × 10,000; without either it is malformed, naming the deal")
    func reversalClosedVolume() throws {
        let base = #""Deal":"11","Login":"1","Time":"1700007202","Action":"1","Entry":"2","Symbol":"EURUSD","Volume":"10000","VolumeExt":"100000000","PositionID":"7""#
        #expect(try map("{\(base),\"VolumeClosedExt\":\"73456789\",\"VolumeClosed\":\"7345\"}")?.closedVolumeExt == 73_456_789)
        #expect(try map("{\(base),\"VolumeClosed\":\"7345\"}")?.closedVolumeExt == 73_450_000)
        #expect(throws: PlatformError.malformed("/api/deal/get_batch: inout deal 11 lacks VolumeClosedExt and VolumeClosed")) { try map("{\(base)}") }
        #expect(throws: PlatformError.malformed("/api/deal/get_batch: inout deal 11 closed more than its volume")) {
            try map("{\(base),\"VolumeClosedExt\":\"100000001\"}")
        }
        let closeBy = #"{"Deal":"12","Login":"1","Time":"1700007202","Action":"0","Entry":"3","Symbol":"EURUSD","Volume":"1000","PositionID":"7"}"#
        #expect(try map(closeBy)?.closedVolumeExt == 10_000_000)
        #expect(throws: PlatformError.self) { try map(#"{"Deal":"13","Login":"1","Time":"1","Action":"0","Entry":"5","Symbol":"X","Volume":"1","PositionID":"1"}"#) }
    }

    @Test("Match-Trader deal ids: 2n for the IN side and 2n+1 for the OUT side, never colliding; too large an id is refused")
    func matchTraderIDs() throws {
        let a = try #require(MatchTraderClient.dealIDs(closedPosition: 100_000_005))
        let b = try #require(MatchTraderClient.dealIDs(closedPosition: 100_000_006))
        #expect(a.open == 200_000_010 && a.close == 200_000_011)
        #expect(Set([a.open, a.close, b.open, b.close]).count == 4)
        #expect(MatchTraderClient.dealIDs(closedPosition: Int64.max / 2)?.close == Int64.max)
        #expect(MatchTraderClient.dealIDs(closedPosition: Int64.max / 2 + 1) == nil)
        #expect(MatchTraderClient.dealIDs(closedPosition: -1) == nil)
    }
}
