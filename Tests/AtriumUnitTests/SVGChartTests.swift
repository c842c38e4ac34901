@testable import AtriumHTTP
@testable import AtriumReports
import Foundation
import Testing

@Suite("SVG chart: escaping, empty data, axis and scale; report buckets and CSV")
struct SVGChartTests {
    static func chart(_ series: [SVGChart.Series], categories: [String] = ["a", "b", "c", "d"], title: String = "Funding") -> SVGChart {
        SVGChart(title: title, categories: categories, series: series, emptyText: "No <data>", format: { "\($0) u" })
    }

    @Test("every text is escaped: title, series names, categories, tooltips and axis labels")
    func escaping() {
        let svg = SVGChart(title: #"Dep"osits <&> 'x'"#, categories: ["<b>", "2"], series: [.init(name: "A&B", style: .bar, values: [5, 10])],
                           emptyText: "-", format: { "<\($0)>" }).render()
        #expect(svg.contains(#"aria-label="Dep&quot;osits &lt;&amp;&gt; &#39;x&#39;""#))
        #expect(svg.contains(">A&amp;B</text>"))
        #expect(svg.contains("<title>&lt;b&gt; · A&amp;B: &lt;5&gt;</title>"))
        #expect(svg.contains(">&lt;10&gt;</text>"))
        #expect(!svg.contains("<b>") && !svg.contains("A&B"))
    }

    @Test("empty data: no bars, the empty text in the middle, the zero axis still drawn")
    func empty() {
        for svg in [Self.chart([]).render(), Self.chart([.init(name: "x", style: .bar, values: [0, 0, 0, 0])]).render(), Self.chart([], categories: []).render()] {
            #expect(!svg.contains("<rect class=\"bar"))
            #expect(svg.contains(#"<text class="empty" x="358" y="131" text-anchor="middle">No &lt;data&gt;</text>"#))
            #expect(svg.contains(#"<line class="axis" x1="84" y1="236" x2="632" y2="236"/>"#))
            #expect(svg.hasPrefix("<svg ") && svg.hasSuffix("</svg>"))
        }
    }

    @Test("axis: zero, half and the largest value labelled; bars scaled in integer pixels; negatives hang below zero")
    func axis() {
        // plot: top 26, height 210; values 0…100 → zero at 236, 100 at 26, 50 at 131.
        let up = Self.chart([.init(name: "d", style: .bar, values: [100, 50, 0, 25])])
        #expect(up.y(100) == 26 && up.y(50) == 131 && up.y(0) == 236)
        let svg = up.render()
        #expect(svg.contains(#">100 u</text>"#) && svg.contains(#">50 u</text>"#) && svg.contains(#">0 u</text>"#))
        #expect(svg.ranges(of: "<rect class=\"bar").count == 4)
        // slot 548 / 4 = 137, bar 135, first bar at 84 + 1.
        #expect(svg.contains(#"<rect class="bar series-0" x="85" y="26" width="135" height="210" data-value="100">"#))
        #expect(svg.contains(#"<rect class="bar series-0" x="222" y="131" width="135" height="105" data-value="50">"#))
        // -100…100: zero in the middle, the smallest value labelled.
        let both = Self.chart([.init(name: "n", style: .bar, values: [100, -100, 0, 0])])
        #expect(both.y(0) == 131 && both.y(-100) == 236)
        #expect(both.render().contains(#"<rect class="bar series-0 negative" x="222" y="131" width="135" height="105" data-value="-100">"#))
        #expect(both.render().contains(">-100 u</text>"))
        // A line series: one point per category at the slot's centre.
        let line = Self.chart([.init(name: "t", style: .line, values: [0, 100, 50, 0])]).render()
        #expect(line.contains(#"points="152,236 289,26 426,131 563,236""#))
        // Extremes do not overflow.
        let huge = Self.chart([.init(name: "h", style: .bar, values: [Int64.max, Int64.min, 0, 1])])
        #expect(huge.y(Int64.max) == 26 && huge.y(Int64.min) == 236)
    }

    @Test("at most six category labels, whatever the number of days")
    func labels() {
        let days = (1...31).map { String(format: "03-%02d", $0) }
        let svg = Self.chart([.init(name: "d", style: .bar, values: Array(repeating: 1, count: 31))], categories: days).render()
        #expect(svg.ranges(of: "class=\"tick x-tick\"").count == 6)
        #expect(svg.contains(">03-01</text>") && svg.contains(">03-07</text>") && !svg.contains(">03-02</text>"))
    }

    @Test("buckets: days up to 92 days, ISO weeks from Monday beyond; CSV quotes and defuses formulas")
    func buckets() throws {
        let march = try ReportRange.parse(from: "2026-03-01", to: "2026-03-31", country: "gb")
        #expect(march.bucket == .day && march.bucketStarts.count == 31 && march.country == "GB")
        let long = try ReportRange.parse(from: "2026-01-01", to: "2026-04-30", country: nil)
        #expect(long.bucket == .week)
        #expect(ReportRange.format(long.bucketStarts[0]) == "2025-12-29" && long.bucketStarts.count == 18)
        let sunday = try #require(ISO8601DateFormatter().date(from: "2026-03-01T23:59:59Z"))
        #expect(ReportRange.format(long.bucketStart(of: sunday)) == "2026-02-23")
        var csv = ReportCSV(header: ["a", "b"])
        csv.row([ReportCSV.plain("=SUM(A1)"), #"say "hi""#])
        #expect(csv.output == "\"a\",\"b\"\r\n\"'=SUM(A1)\",\"say \"\"hi\"\"\"\r\n")
        #expect(FunnelReport.percent(6666) == "66.66" && FunnelReport.percent(5) == "0.05" && FunnelReport.basisPoints(1, of: 0) == 0)
        #expect(DashboardView.duration(7200) == "2 h 0 min" && DashboardView.duration(46_800) == "13 h 0 min" && DashboardView.duration(90_061) == "1 d 1 h")
    }
}
