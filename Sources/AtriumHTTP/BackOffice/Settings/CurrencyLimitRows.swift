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

    /// Reads the rows back into one map per column; `paths` maps a column to its config path.
    static func read(_ form: inout SettingsForm, current codes: [String], columns: [(column: String, path: String)]) -> [String: [String: Int64]] {
        var out: [String: [String: Int64]] = Dictionary(uniqueKeysWithValues: columns.map { ($0.column, [:]) })
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
        for (code, prefix) in rows where !form.flag("\(prefix)_remove") {
            for (column, path) in columns {
                if let v = form.money("\(prefix)_\(column)", currency: code, path: "\(path).\(code)") { out[column]?[code] = v }
            }
        }
        return out
    }
}
