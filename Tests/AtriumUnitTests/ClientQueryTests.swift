import AtriumCRM
import Foundation
import Testing

/// The client list's cursor, filter parsing and CSV cells, without a database.
@Suite("Client list input and CSV")
struct ClientQueryTests {
    @Test("a cursor round-trips to the microsecond, and anything else is refused")
    func cursor() throws {
        let id = try #require(UUID(uuidString: "0E7C2A34-2D0B-4F2B-9F51-0C7E6A1B2C3D"))
        let at = Date(timeIntervalSince1970: 1_780_000_000.123456)
        let token = ClientCursor(createdAt: at, id: id).token
        let back = try #require(ClientCursor(token: token))
        #expect(back.id == id)
        #expect(Int64((back.createdAt.timeIntervalSince1970 * 1_000_000).rounded()) == 1_780_000_000_123_456)
        #expect(!token.contains("=") && !token.contains("+") && !token.contains("/"))
        for bad in ["", "not a cursor", "QUJD", String(repeating: "A", count: 81), token + "!", "LTEuMGU3YzJhMzQtMmQwYi00ZjJiLTlmNTEtMGM3ZTZhMWIyYzNk"] {
            #expect(ClientCursor(token: bad) == nil, "\(bad)")
        }
    }

    @Test("filter parsing: good values, and the field named for each bad one")
    func filter() throws {
        let f = try ClientFilter(query: ["q": " anna ", "kyc": "approved", "country": "de", "funded": "no", "from": "2026-03-01", "to": "2026-03-31"])
        #expect(f.query == "anna")
        #expect(f.kycStatus == "approved")
        #expect(f.country == "DE")
        #expect(f.funded == false)
        #expect(f.from == Date(timeIntervalSince1970: 1_772_323_200))
        #expect(f.until == Date(timeIntervalSince1970: 1_775_001_600))
        #expect(try ClientFilter(query: ["q": "", "kyc": ""]) == ClientFilter())
        let bad: [([String: String], String)] = [(["kyc": "done"], "kyc"), (["country": "DEU"], "country"), (["country": "D1"], "country"),
                                                 (["agent": "x"], "agent"), (["funded": "1"], "funded"), (["from": "2026-02-29"], "from"),
                                                 (["to": "31/03/2026"], "to"), (["from": "2026-03-02", "to": "2026-03-01"], "to"),
                                                 (["q": String(repeating: "a", count: 101)], "q"), (["q": "a\u{7}b"], "q")]
        for (query, field) in bad {
            #expect(throws: ClientError.invalid(field: field), "\(query)") { try ClientFilter(query: query) }
        }
    }

    @Test("CSV cells: quoted, quotes doubled, formula starts prefixed")
    func csvCells() {
        #expect(ClientCSV.field("plain") == "\"plain\"")
        #expect(ClientCSV.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(ClientCSV.field("=1+1") == "\"'=1+1\"")
        #expect(ClientCSV.field("+44") == "\"'+44\"")
        #expect(ClientCSV.field("-3") == "\"'-3\"")
        #expect(ClientCSV.field("@x") == "\"'@x\"")
        #expect(ClientCSV.field("\tx") == "\"'\tx\"")
        #expect(ClientCSV.line(["a", "b"]) == "\"a\",\"b\"\r\n")
    }

    @Test("only the set filters become SQL, each a bound parameter")
    func query() {
        let none = ClientSearch.query(ClientFilter(), scope: .everyone, after: nil, limit: 51)
        #expect(none.binds.count == 3)
        #expect(!none.sql.contains("kyc_status ="))
        let some = ClientSearch.query(ClientFilter(query: "o'brien", kycStatus: "approved"), scope: .everyone, after: nil, limit: 51)
        #expect(some.sql.contains("u.kyc_status = $"))
        #expect(!some.sql.contains("o'brien"))
        #expect(some.binds.count == 7)
    }
}
