import AtriumCore
import Foundation

/// A window of whole UTC days, `--from 2026-11-01 --to 2026-11-30` (both days included).
public struct CommissionWindow: Sendable, Equatable {
    public var from: Date
    /// The first instant after the window (the day after `--to`).
    public var until: Date

    /// Parses two `YYYY-MM-DD` days; the error names the option at fault.
    public static func parse(from: String, to: String) throws -> CommissionWindow {
        guard let start = day(from) else { throw InputError(field: "from", reason: "a day like 2026-11-01") }
        guard let end = day(to) else { throw InputError(field: "to", reason: "a day like 2026-11-30") }
        guard end >= start else { throw InputError(field: "to", reason: "the same day as --from or later") }
        return CommissionWindow(from: start, until: end.addingTimeInterval(86_400))
    }

    static func day(_ text: String) -> Date? {
        guard text.wholeMatch(of: /\d{4}-\d{2}-\d{2}/) != nil else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = text.split(separator: "-").compactMap { Int($0) }
        let components = DateComponents(year: parts[0], month: parts[1], day: parts[2])
        guard components.isValidDate(in: calendar) else { return nil }
        return calendar.date(from: components)
    }
}

extension RecalculationResult {
    /// One line per difference and a summary, for the command line.
    public var report: [String] {
        var out = differences.map { d in
            "\(d.connectionID)#\(d.deal) ib=\(d.partnerID.uuidString.lowercased()) L\(d.level) \(d.component.rawValue): "
                + "lines \(d.existing) now \(d.recomputed) difference \(d.difference) \(d.currency) (minor units)"
        }
        var totals: [String: Int64] = [:]
        for d in differences { totals[d.currency, default: 0] += d.difference }
        let sums = totals.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        out.append("\(deals) deals, \(differences.count) differences\(sums.isEmpty ? "" : " (\(sums))"), "
                   + (runID.map { "\(linesWritten) lines written, run \($0.uuidString.lowercased())" } ?? "dry run: nothing written"))
        return out
    }
}
