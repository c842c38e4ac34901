import AtriumCore
import Foundation

/// Per-currency amount maps edited as rows (`cur_<CODE>_<column>`, plus one `new_…` row): the
/// withdrawal limits and the IB settlement auto-approval limit. Amounts are in major units.
enum CurrencyLimitRows {
    /// The rows of `maps` (column name → currency → minor units), one per currency in any map.
    static func rows(_ maps: [(column: String, values: [String: Int64])], echo: FormEcho) -> [[String: Any]] {
        let codes = Set(maps.flatMap { $0.values.keys }).sorted()
        return codes.map { code in
            var row: [String: Any] = ["code": code, "remove": "cur_\(code)_remove"]
            for (column, values) in maps {
                row[column] = echo.text("cur_\(code)_\(column)", SettingsForm.major(values[code], currency: code))
                row["\(column)Field"] = "cur_\(code)_\(column)"
            }
            return row
        }
    }

    /// Reads the rows back into one map per column (column, config path, current values). A field
    /// the form leaves out keeps its value; an empty one removes it; a ticked row removes the currency.
    static func read(_ form: inout SettingsForm, columns: [(column: String, path: String, current: [String: Int64])]) -> [String: [String: Int64]] {
        var out: [String: [String: Int64]] = Dictionary(uniqueKeysWithValues: columns.map { ($0.column, $0.current) })
        let codes = Set(columns.flatMap { $0.current.keys })
        var rows = codes.sorted().map { (code: $0, prefix: "cur_\($0)") }
        let newCode = form.text("new_currency").uppercased()
        if !newCode.isEmpty {
            if ISO4217.exponents[newCode] == nil {
                form.problems.append(.init(path: "\(columns[0].path).\(newCode)", expected: "a known ISO 4217 currency code like USD"))
            } else if codes.contains(newCode) {
                form.problems.append(.init(path: "\(columns[0].path).\(newCode)", expected: "a currency without limits yet (edit its row instead)"))
            } else {
                rows.append((newCode, "new"))
            }
        }
        for (code, prefix) in rows {
            if form.flag("\(prefix)_remove") {
                for c in columns { out[c.column]?[code] = nil }
                continue
            }
            for (column, path, _) in columns where form.has("\(prefix)_\(column)") {
                out[column]?[code] = form.money("\(prefix)_\(column)", currency: code, path: "\(path).\(code)")
            }
        }
        return out
    }
}
