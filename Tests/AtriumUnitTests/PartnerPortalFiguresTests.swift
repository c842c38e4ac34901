@testable import AtriumHTTP
import AtriumCore
@testable import AtriumPartners
import Foundation
import Testing

@Suite("Partner Portal figures: lots, amounts, periods, CSV, chart")
struct PartnerPortalFiguresTests {
    @Test("lots from 1/100,000,000 lot: exact, at least two decimals")
    func lots() {
        #expect(PartnerFigures.lots(150_000_000) == "1.50")
        #expect(PartnerFigures.lots(1_234_567) == "0.01234567")
        #expect(PartnerFigures.lots(0) == "0.00")
        #expect(PartnerFigures.lots(-5_000_000) == "-0.05")
        #expect(PartnerFigures.lots(100_000_000_000) == "1000.00")
    }

    @Test("amounts in the currency's minor units")
    func amounts() {
        #expect(PartnerFigures.amount(1181, currency: "USD") == "11.81")
        #expect(PartnerFigures.amount(-200, currency: "EUR") == "-2.00")
        #expect(PartnerFigures.amount(1500, currency: "JPY") == "1500")
        #expect(PartnerFigures.amount(1500, currency: "KWD") == "1.500")
        #expect(PartnerFigures.initial("  zoë müller") == "Z.")
        #expect(PartnerFigures.initial("") == "—")
    }

    @Test("periods parse YYYY-MM only and span exactly one UTC month")
    func periods() throws {
        let p = try #require(PartnerPeriod("2026-12"))
        #expect(p.text == "2026-12" && p.next.text == "2027-01" && p.previous.text == "2026-11")
        #expect(p.start == Date(timeIntervalSince1970: 1_796_083_200))
        #expect(p.end == Date(timeIntervalSince1970: 1_798_761_600))
        for bad in ["2026-13", "2026-00", "26-12", "2026-1", "2026/12", "", "2026-12-01", "abcd-ef"] { #expect(PartnerPeriod(bad) == nil, "\(bad)") }
        #expect(PartnerPeriod(containing: Date(timeIntervalSince1970: 1_798_761_599)).text == "2026-12")
    }

    @Test("link input: each problem names its field")
    func linkInput() throws {
        #expect(throws: InputError(field: "campaign", reason: "required")) { try PartnerLinks.validate(campaign: " \n", target: "register") }
        #expect(throws: InputError(field: "campaign", reason: "at most 100 characters")) { try PartnerLinks.validate(campaign: String(repeating: "x", count: 101), target: "landing") }
        #expect((try? PartnerLinks.validate(campaign: "x", target: "Register")) == nil)
        let ok = try PartnerLinks.validate(campaign: "  Spring ", target: "sub_ib")
        #expect(ok.campaign == "Spring" && ok.target == .subIB)
        #expect(PartnerLinks.Target.subIB.path(code: "Ab_1") == "/partners/apply?parent=Ab_1")
        for _ in 0..<50 { #expect(PartnerLinks.newCode().range(of: "^[A-Za-z0-9_-]{1,32}$", options: .regularExpression) != nil) }
    }

    @Test("CSV: every field quoted, quotes doubled, formula starts neutralised, CRLF")
    func csv() {
        let line = PartnerReports.Line(id: 7, dealTime: Date(timeIntervalSince1970: 1_796_000_000), connectionID: "mt5", deal: 42, dealRevision: 2,
                                       symbol: #"=HYPERLINK("x"),"#, lotsExt: 12_345_678, rate: "5.00 USD/lot", level: 2, component: "rebate",
                                       kind: "reversal", plan: "Gold, \"VIP\"", planVersion: 3, amount: -61, currency: "USD", status: "pending", excluded: nil)
        let text = PartnerReports.csv([line])
        let rows = text.components(separatedBy: "\r\n")
        #expect(rows.count == 3 && rows[2].isEmpty)
        #expect(rows[1] == #""7","2026-11-30T00:53:20Z","mt5","42","2","'=HYPERLINK(""x""),","0.12345678","5.00 USD/lot","2","rebate","reversal","Gold, ""VIP""","3","-0.61","USD","pending","""#)
    }

    @Test("chart: one bar per day, heights proportional in integer pixels, negatives below the zero line")
    func chart() {
        let special: [Int: Int64] = [30: 1000, 29: -250, 10: 500]
        let days = (1...30).map { (n: Int) -> PartnerReports.Day in
            PartnerReports.Day(date: String(format: "2026-11-%02d", n), minor: special[n] ?? 0)
        }
        let svg = CommissionChart.svg(days, currency: "USD", label: "Daily <commissions>")
        #expect(svg.ranges(of: "<rect class=\"bar").count == 30)
        // plot 162 px: 1000 → 129 px above zero, -250 → 32 px below it.
        #expect(svg.contains(#"height="129" data-date="2026-11-30" data-minor="1000""#))
        #expect(svg.contains(#"<rect class="bar negative" x="562" y="147" width="16" height="32" data-date="2026-11-29""#))
        #expect(svg.contains(#"height="64" data-date="2026-11-10""#))
        #expect(svg.contains("aria-label=\"Daily &lt;commissions&gt;\"") && svg.contains(">10.00 USD</text>"))
        #expect(CommissionChart.scaled(UInt64(Int64.max), 162, UInt64(Int64.max)) == 162)
    }
}
