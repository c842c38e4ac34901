import AtriumCore
import AtriumLedger
import AtriumReports
import Foundation

/// The dashboard's view model: one card per chart, each with its SVG, its data table (the same
/// figures, for screen readers and for checking) and its CSV link.
struct DashboardView {
    let range: ReportRange
    let figures: DashboardFigures
    let t: [String: String]

    var context: [String: Any] {
        ["fundingCharts": fundingCards, "funnelChart": funnelCard, "kycChart": kycCard, "activityChart": activityCard,
         "payoutCharts": payoutCards, "topIBs": topRows, "topCSV": csvHref("top-ibs"),
         "bucketLabel": t["dashboard_bucket_\(range.bucket.rawValue)"] ?? range.bucket.rawValue]
    }

    func s(_ key: String) -> String { t[key] ?? key }

    func csvHref(_ chart: String) -> String {
        var query = "from=\(ReportRange.format(range.from))&to=\(ReportRange.format(range.to.addingTimeInterval(-86_400)))"
        if let c = range.country { query += "&country=\(c)" }
        return "/admin/reports/\(chart).csv?\(query)"
    }

    static func amount(_ minor: Int64, _ currency: String) -> String {
        Money.format(minor, exponent: ISO4217.exponents[currency] ?? 2)
    }

    /// `12-31` under the axis; the table carries the full date.
    static func short(_ date: Date) -> String { String(ReportRange.format(date).dropFirst(5)) }

    func card(id: String, title: String, chart: SVGChart, columns: [String], rows: [[String]], figures: [(String, String)] = []) -> [String: Any] {
        ["id": id, "title": title, "svg": chart.render(), "csv": csvHref(id.split(separator: "-").first.map(String.init) ?? id),
         "columns": columns.enumerated().map { ["text": $0.element, "num": $0.offset > 0] as [String: Any] },
         "rows": rows.map { ["cells": $0.enumerated().map { ["text": $0.element, "num": $0.offset > 0] as [String: Any] }] },
         "figures": figures.map { ["label": $0.0, "value": $0.1] }, "hasFigures": !figures.isEmpty, "hasTable": !columns.isEmpty]
    }

    var fundingCards: [[String: Any]] {
        let byCurrency = Dictionary(grouping: figures.funding, by: \.currency)
        guard !byCurrency.isEmpty else {
            let empty = SVGChart(title: s("dashboard_funding_title"), categories: range.bucketStarts.map(Self.short), series: [],
                                 emptyText: s("dashboard_no_data"), format: { "\($0)" })
            return [card(id: "funding", title: s("dashboard_funding_title"), chart: empty, columns: [], rows: [])]
        }
        return byCurrency.keys.sorted().map { currency in
            let points = byCurrency[currency] ?? []
            let money: @Sendable (Int64) -> String = { "\(Self.amount($0, currency)) \(currency)" }
            let chart = SVGChart(title: "\(s("dashboard_funding_title")) (\(currency))", categories: points.map { Self.short($0.start) },
                                 series: [.init(name: s("dashboard_deposits"), style: .bar, values: points.map(\.deposits)),
                                          .init(name: s("dashboard_withdrawals"), style: .bar, values: points.map(\.withdrawals)),
                                          .init(name: s("dashboard_net"), style: .line, values: points.map(\.net))],
                                 emptyText: s("dashboard_no_data"), format: money)
            let d = points.reduce(0) { $0 + $1.deposits }, w = points.reduce(0) { $0 + $1.withdrawals }
            return card(id: "funding-\(currency.lowercased())", title: "\(s("dashboard_funding_title")) · \(currency)", chart: chart,
                        columns: [s("dashboard_col_bucket"), s("dashboard_deposits"), s("dashboard_withdrawals"), s("dashboard_net")],
                        rows: points.map { [ReportRange.format($0.start), Self.amount($0.deposits, currency), Self.amount($0.withdrawals, currency), Self.amount($0.net, currency)] },
                        figures: [(s("dashboard_deposits"), money(d)), (s("dashboard_withdrawals"), money(w)), (s("dashboard_net"), money(d - w))])
        }
    }

    var funnelCard: [String: Any] {
        let f = figures.funnel
        let names = f.steps.map { s("dashboard_funnel_\($0.key)") }
        let chart = SVGChart(title: s("dashboard_funnel_title"), categories: names,
                             series: [.init(name: s("dashboard_clients"), style: .bar, values: f.steps.map { Int64($0.count) })],
                             emptyText: s("dashboard_no_data"), format: { "\($0)" })
        return card(id: "funnel", title: s("dashboard_funnel_title"), chart: chart,
                    columns: [s("dashboard_col_step"), s("dashboard_clients"), s("dashboard_col_share")],
                    rows: zip(names, f.steps).map { [$0, "\($1.count)", FunnelReport.percent(FunnelReport.basisPoints($1.count, of: f.registered)) + " %"] })
    }

    var kycCard: [String: Any] {
        let k = figures.kyc
        let chart = SVGChart(title: s("dashboard_kyc_title"), categories: k.points.map { Self.short($0.start) },
                             series: [.init(name: s("dashboard_kyc_approved"), style: .bar, values: k.points.map { Int64($0.approved) }),
                                      .init(name: s("dashboard_kyc_rejected"), style: .bar, values: k.points.map { Int64($0.rejected) })],
                             emptyText: s("dashboard_no_data"), format: { "\($0)" })
        return card(id: "kyc", title: s("dashboard_kyc_title"), chart: chart,
                    columns: [s("dashboard_col_bucket"), s("dashboard_kyc_approved"), s("dashboard_kyc_rejected")],
                    rows: k.points.map { [ReportRange.format($0.start), "\($0.approved)", "\($0.rejected)"] },
                    figures: [(s("dashboard_kyc_rate"), k.approvalBasisPoints.map { FunnelReport.percent($0) + " %" } ?? "—"),
                              (s("dashboard_kyc_median"), k.medianSeconds.map(Self.duration) ?? "—"),
                              (s("dashboard_kyc_decisions"), "\(k.approved + k.rejected)")])
    }

    var activityCard: [String: Any] {
        let a = figures.activity
        let chart = SVGChart(title: s("dashboard_activity_title"), categories: a.points.map { Self.short($0.start) },
                             series: [.init(name: s("dashboard_activity_traders"), style: .line, values: a.points.map { Int64($0.traders) })],
                             emptyText: s("dashboard_no_data"), format: { "\($0)" })
        return card(id: "activity", title: s("dashboard_activity_title"), chart: chart,
                    columns: [s("dashboard_col_bucket"), s("dashboard_activity_traders")],
                    rows: a.points.map { [ReportRange.format($0.start), "\($0.traders)"] },
                    figures: [(s("dashboard_activity_total"), "\(a.total)")])
    }

    var payoutCards: [[String: Any]] {
        let byCurrency = Dictionary(grouping: figures.payouts, by: \.currency)
        guard !byCurrency.isEmpty else {
            let empty = SVGChart(title: s("dashboard_payouts_title"), categories: range.bucketStarts.map(Self.short), series: [],
                                 emptyText: s("dashboard_no_data"), format: { "\($0)" })
            return [card(id: "payouts", title: s("dashboard_payouts_title"), chart: empty, columns: [], rows: [])]
        }
        return byCurrency.keys.sorted().map { currency in
            let points = byCurrency[currency] ?? []
            let money: @Sendable (Int64) -> String = { "\(Self.amount($0, currency)) \(currency)" }
            let chart = SVGChart(title: "\(s("dashboard_payouts_title")) (\(currency))", categories: points.map { Self.short($0.start) },
                                 series: [.init(name: s("dashboard_payouts_paid"), style: .bar, values: points.map(\.amount))],
                                 emptyText: s("dashboard_no_data"), format: money)
            return card(id: "payouts-\(currency.lowercased())", title: "\(s("dashboard_payouts_title")) · \(currency)", chart: chart,
                        columns: [s("dashboard_col_bucket"), s("dashboard_payouts_paid")],
                        rows: points.map { [ReportRange.format($0.start), Self.amount($0.amount, currency)] },
                        figures: [(s("dashboard_payouts_total"), money(points.reduce(0) { $0 + $1.amount }))])
        }
    }

    var topRows: [[String: Any]] {
        var rank: [String: Int] = [:]
        return figures.top.map { ib in
            rank[ib.currency, default: 0] += 1
            return ["rank": rank[ib.currency] ?? 0, "email": ib.email, "name": ib.name, "currency": ib.currency,
                    "amount": Self.amount(ib.amount, ib.currency), "lines": ib.lines]
        }
    }

    /// `45 s`, `12 min 5 s`, `3 h 20 min`, `2 d 4 h`: the two largest units.
    static func duration(_ seconds: Int64) -> String {
        switch seconds {
        case ..<60: "\(seconds) s"
        case ..<3600: "\(seconds / 60) min \(seconds % 60) s"
        case ..<86_400: "\(seconds / 3600) h \(seconds % 3600 / 60) min"
        default: "\(seconds / 86_400) d \(seconds % 86_400 / 3600) h"
        }
    }
}
