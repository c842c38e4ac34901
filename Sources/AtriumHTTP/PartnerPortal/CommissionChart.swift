import AtriumPartners

/// The dashboard's bar chart of daily commissions, drawn on the server as inline SVG (no script;
/// the page's CSP allows none). A table of the same figures sits next to it for screen readers.
enum CommissionChart {
    static let width = 600, height = 200, top = 18, bottom = 20

    /// One `<rect class="bar">` per day, scaled to the largest absolute day total; a negative day
    /// (reversals) is drawn below the zero line. Heights are integer pixels from integer minor units.
    static func svg(_ days: [PartnerReports.Day], currency: String, label: String) -> String {
        let plot = height - top - bottom
        let positive = days.map { max($0.minor, 0).magnitude }.max() ?? 0
        let negative = days.map { min($0.minor, 0).magnitude }.max() ?? 0
        // Bars above the zero line share the plot with bars below it in proportion to the largest of each.
        let scaleTotal = positive + negative
        let zero = top + (scaleTotal == 0 ? plot : scaled(positive, plot, scaleTotal))
        let slot = days.isEmpty ? width : width / days.count
        let barWidth = max(slot - 4, 2)
        var out = #"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \#(width) \#(height)" width="100%" role="img" aria-label="\#(Renderer.htmlEscape(label))" direction="ltr">"#
        out += #"<line class="axis" x1="0" y1="\#(zero)" x2="\#(width)" y2="\#(zero)"/>"#
        for (i, day) in days.enumerated() {
            let pixels = scaleTotal == 0 ? 0 : scaled(day.minor.magnitude, plot, scaleTotal)
            let y = day.minor < 0 ? zero : zero - pixels
            let x = i * slot + (slot - barWidth) / 2
            let text = "\(day.date): \(PartnerFigures.amount(day.minor, currency: currency)) \(currency)"
            out += #"<rect class="bar\#(day.minor < 0 ? " negative" : "")" x="\#(x)" y="\#(y)" width="\#(barWidth)" height="\#(pixels)" data-date="\#(day.date)" data-minor="\#(day.minor)"><title>\#(Renderer.htmlEscape(text))</title></rect>"#
        }
        // The scale: the largest day, at the top of the plot.
        if positive > 0 {
            out += #"<text class="scale" x="0" y="12">\#(PartnerFigures.amount(Int64(positive), currency: currency)) \#(currency)</text>"#
        }
        // First and last day under the axis, so the reader knows the window.
        if let first = days.first, let last = days.last {
            out += #"<text class="tick" x="0" y="\#(height - 4)">\#(first.date)</text>"#
            out += #"<text class="tick" x="\#(width)" y="\#(height - 4)" text-anchor="end">\#(last.date)</text>"#
        }
        return out + "</svg>"
    }

    /// `value × pixels ÷ total` without overflow (the dashboard's `SVGChart` scales the same way).
    static func scaled(_ value: UInt64, _ pixels: Int, _ total: UInt64) -> Int {
        SVGChart.scaled(value, pixels, total)
    }
}
