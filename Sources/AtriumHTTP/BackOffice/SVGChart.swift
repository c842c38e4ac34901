/// A chart drawn on the server as inline SVG: grouped bars and lines over labelled categories,
/// with a value axis (zero, the largest value, its half, and the smallest when it is negative),
/// category labels and a legend. No script (the page's CSP allows none); every text is escaped.
/// Pixel positions are integers computed from Int64 values without floating point, so figures in
/// minor units never pass through a `Double`.
struct SVGChart: Sendable {
    /// How a series is drawn.
    enum Style: Sendable { case bar, line }

    /// One named series, one value per category.
    struct Series: Sendable {
        let name: String
        let style: Style
        let values: [Int64]
    }

    let title: String
    let categories: [String]
    let series: [Series]
    /// Shown in the middle of the plot when there is nothing to draw.
    let emptyText: String
    /// Text of a value on the axis and in tooltips (an amount with its currency, a count).
    let format: @Sendable (Int64) -> String

    static let width = 640, height = 260, left = 84, right = 8, top = 26, bottom = 24

    var plotWidth: Int { Self.width - Self.left - Self.right }
    var plotHeight: Int { Self.height - Self.top - Self.bottom }

    /// Smallest and largest value drawn, always including zero.
    var bounds: (low: Int64, high: Int64) {
        let all = series.flatMap(\.values)
        return (min(all.min() ?? 0, 0), max(all.max() ?? 0, 0))
    }

    /// Vertical pixel of `value`: the top of the plot is `high`, the bottom `low`.
    func y(_ value: Int64) -> Int {
        let (low, high) = bounds
        let span = high.magnitude + low.magnitude
        guard span > 0 else { return Self.top + plotHeight }
        let fromTop: UInt64 = value >= 0 ? high.magnitude - value.magnitude : high.magnitude + value.magnitude
        return Self.top + Self.scaled(fromTop, plotHeight, span)
    }

    /// The whole `<svg>` element.
    func render() -> String {
        let esc = Renderer.htmlEscape
        var out = #"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \#(Self.width) \#(Self.height)" width="100%" role="img" aria-label="\#(esc(title))" direction="ltr">"#
        out += legend()
        out += axis()
        guard !categories.isEmpty, series.contains(where: { $0.values.contains { $0 != 0 } }) else {
            let x = Self.left + plotWidth / 2, y = Self.top + plotHeight / 2
            return out + #"<text class="empty" x="\#(x)" y="\#(y)" text-anchor="middle">\#(esc(emptyText))</text></svg>"#
        }
        let slot = max(plotWidth / categories.count, 1)
        let bars = series.enumerated().filter { $0.element.style == .bar }
        let barWidth = max((slot - 2) / max(bars.count, 1), 1)
        let zero = y(0)
        for (n, (index, s)) in bars.enumerated() {
            for (i, value) in s.values.enumerated() where i < categories.count {
                let x = Self.left + i * slot + (slot - barWidth * bars.count) / 2 + n * barWidth
                let top = min(y(value), zero), height = abs(y(value) - zero)
                out += #"<rect class="bar series-\#(index)\#(value < 0 ? " negative" : "")" x="\#(x)" y="\#(top)" width="\#(barWidth)" height="\#(height)" data-value="\#(value)">"#
                out += "<title>\(esc("\(categories[i]) · \(s.name): \(format(value))"))</title></rect>"
            }
        }
        for (index, s) in series.enumerated() where s.style == .line {
            let points = s.values.prefix(categories.count).enumerated().map { i, v in "\(Self.left + i * slot + slot / 2),\(y(v))" }
            out += #"<polyline class="line series-\#(index)" fill="none" points="\#(points.joined(separator: " "))"/>"#
            for (i, value) in s.values.enumerated() where i < categories.count {
                out += #"<circle class="point series-\#(index)" cx="\#(Self.left + i * slot + slot / 2)" cy="\#(y(value))" r="2" data-value="\#(value)">"#
                out += "<title>\(esc("\(categories[i]) · \(s.name): \(format(value))"))</title></circle>"
            }
        }
        // At most six category labels, so dates never overlap.
        let every = max((categories.count + 5) / 6, 1)
        for (i, label) in categories.enumerated() where i % every == 0 {
            out += #"<text class="tick x-tick" x="\#(Self.left + i * slot + slot / 2)" y="\#(Self.height - 6)" text-anchor="middle">\#(esc(label))</text>"#
        }
        return out + "</svg>"
    }

    /// The value axis: a line at zero and labelled grid lines at the largest value, its half and the smallest.
    func axis() -> String {
        let (low, high) = bounds
        var ticks: [Int64] = [0]
        if high > 0 { ticks += [high / 2, high] }
        if low < 0 { ticks.append(low) }
        var out = #"<line class="axis" x1="\#(Self.left)" y1="\#(Self.top)" x2="\#(Self.left)" y2="\#(Self.top + plotHeight)"/>"#
        for value in ticks {
            let y = y(value)
            out += #"<line class="\#(value == 0 ? "axis" : "grid")" x1="\#(Self.left)" y1="\#(y)" x2="\#(Self.width - Self.right)" y2="\#(y)"/>"#
            out += #"<text class="tick y-tick" x="\#(Self.left - 4)" y="\#(y + 4)" text-anchor="end">\#(Renderer.htmlEscape(format(value)))</text>"#
        }
        return out
    }

    /// One swatch and name per series along the top edge.
    func legend() -> String {
        var out = ""
        var x = Self.left
        for (index, s) in series.enumerated() {
            out += #"<rect class="swatch series-\#(index)" x="\#(x)" y="6" width="10" height="10"/>"#
            out += #"<text class="legend" x="\#(x + 14)" y="15">\#(Renderer.htmlEscape(s.name))</text>"#
            x += 24 + 7 * s.name.count
        }
        return out
    }

    /// `value × pixels ÷ total` without overflow for any Int64 figures (value ≤ total).
    static func scaled(_ value: UInt64, _ pixels: Int, _ total: UInt64) -> Int {
        let product = value.multipliedFullWidth(by: UInt64(pixels))
        return Int(total.dividingFullWidth(product).quotient)
    }
}
