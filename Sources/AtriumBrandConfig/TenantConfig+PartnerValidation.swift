import AtriumCore
import Foundation

extension TenantConfig {
    /// Problems of the IB fields: `platforms[].symbol_groups` and the `partners:` block.
    func partnerProblems() -> [ConfigValidationError.Problem] {
        var p: [ConfigValidationError.Problem] = []
        for (i, pl) in (platforms ?? []).enumerated() {
            var seen: [String: String] = [:]
            for (group, patterns) in (pl.symbolGroups ?? [:]).sorted(by: { $0.key < $1.key }) {
                let path = "platforms[\(i)].symbol_groups.\(group)"
                if group.range(of: "^[a-z][a-z0-9_-]{0,39}$", options: .regularExpression) == nil {
                    p.append(.init(path: path, expected: "a group name of lowercase letters, digits, _ and - (like forex)"))
                }
                if patterns.isEmpty { p.append(.init(path: path, expected: "at least one symbol or prefix* pattern")) }
                for (j, pattern) in patterns.enumerated() {
                    // A symbol as platforms spell it (EURUSD, EURUSD.m, #US30), optionally ending in one `*`.
                    if pattern.range(of: "^[A-Za-z0-9._#!+-]{1,32}\\*?$", options: .regularExpression) == nil {
                        p.append(.init(path: "\(path)[\(j)]", expected: "a symbol like XAUUSD or a prefix pattern like EUR* (a * only at the end)"))
                    } else if let other = seen[pattern] {
                        p.append(.init(path: "\(path)[\(j)]", expected: "a pattern in one group only (\(pattern) is also in \(other))"))
                    } else {
                        seen[pattern] = group
                    }
                }
            }
        }
        guard let program = partners else { return p }
        if let s = program.settlement, !["daily", "monthly"].contains(s) { p.append(.init(path: "partners.settlement", expected: "daily or monthly")) }
        if let c = program.clientPrivacy, !["initials", "full"].contains(c) { p.append(.init(path: "partners.client_privacy", expected: "initials or full")) }
        if let c = program.defaultCurrency, ISO4217.exponents[c] == nil {
            p.append(.init(path: "partners.default_currency", expected: "a known ISO 4217 currency code like USD"))
        }
        for (code, v) in (program.autoApproveMaxMinor ?? [:]).sorted(by: { $0.key < $1.key }) {
            if ISO4217.exponents[code] == nil { p.append(.init(path: "partners.auto_approve_max_minor.\(code)", expected: "a known ISO 4217 currency code like USD")) }
            if v < 0 { p.append(.init(path: "partners.auto_approve_max_minor.\(code)", expected: "a non-negative integer (minor units of \(code))")) }
        }
        let groups = symbolGroupNames
        for (group, v) in (program.spreadMarkupPerLotMinor ?? [:]).sorted(by: { $0.key < $1.key }) {
            let path = "partners.spread_markup_per_lot_minor.\(group)"
            if !groups.contains(group) {
                p.append(.init(path: path, expected: "a symbol group of the brand's platforms (\(groups.sorted().joined(separator: ", ")))"))
            }
            if v < 0 { p.append(.init(path: path, expected: "a non-negative integer (minor units of \(program.resolvedCurrency) per lot)")) }
        }
        return p
    }
}
