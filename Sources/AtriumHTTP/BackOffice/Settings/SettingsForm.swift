import AtriumBrandConfig
import AtriumCore
import Foundation

/// Reads settings form fields into typed values, collecting a problem (named by its config path)
/// for each field that cannot be read. Money is entered in major units and read with
/// `DecimalAmount` into minor units of its currency; never through floating point.
struct SettingsForm {
    let fields: [String: String]
    var problems: [ConfigValidationError.Problem] = []

    init(_ fields: [String: String]) {
        self.fields = fields
    }

    /// Whether the form has field `key`. Fields a form leaves out keep their setting (checkboxes
    /// are read with their row's other fields).
    func has(_ key: String) -> Bool { fields[key] != nil }

    /// The trimmed text of `key` ("" when absent).
    func text(_ key: String) -> String {
        (fields[key] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether a checkbox was ticked.
    func flag(_ key: String) -> Bool { ["on", "true", "1", "yes"].contains(text(key)) }

    /// A comma- or space-separated list, each item trimmed, empty items dropped.
    func list(_ key: String, uppercased: Bool = false) -> [String] {
        text(key).split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" }).map { uppercased ? $0.uppercased() : String($0) }
    }

    /// An integer, nil when empty; a problem at `path` when it is not one.
    mutating func int(_ key: String, path: String) -> Int? {
        let s = text(key)
        guard !s.isEmpty else { return nil }
        guard let v = Int(s) else { problems.append(.init(path: path, expected: "a whole number")); return nil }
        return v
    }

    /// Integers from a comma-separated list; a problem at `path` when one is not a whole number.
    mutating func ints(_ key: String, path: String) -> [Int] {
        var out: [Int] = []
        for (i, item) in list(key).enumerated() {
            guard let v = Int(item) else { problems.append(.init(path: "\(path)[\(i)]", expected: "a whole number")); continue }
            out.append(v)
        }
        return out
    }

    /// An amount in major units of `currency` (`12.50`) as minor units, nil when empty; a problem
    /// at `path` when it is not an amount with at most the currency's decimals. Negative amounts
    /// are read so that the brand's validation names them.
    mutating func money(_ key: String, currency: String, path: String) -> Int64? {
        let s = text(key).replacingOccurrences(of: ",", with: "")
        guard !s.isEmpty else { return nil }
        let exponent = ISO4217.exponents[currency] ?? 2
        do {
            return try DecimalAmount.parse(s, exponent: exponent, allowNegative: true)
        } catch {
            problems.append(.init(path: path, expected: "an amount in \(currency) with at most \(exponent) decimals, like \(DecimalAmount.format(1050, exponent: exponent))"))
            return nil
        }
    }

    /// Minor units shown in major units of `currency` ("" for nil).
    static func major(_ minor: Int64?, currency: String) -> String {
        minor.map { DecimalAmount.format($0, exponent: ISO4217.exponents[currency] ?? 2) } ?? ""
    }

    /// Country codes of `key`; a problem at `path[i]` for each that is not an ISO 3166 alpha-2 code.
    mutating func countries(_ key: String, path: String) -> [String] {
        let codes = list(key, uppercased: true)
        for (i, c) in codes.enumerated() where !CountryCodes.isKnown(c) {
            problems.append(.init(path: "\(path)[\(i)]", expected: "an ISO 3166 alpha-2 country code like DE, got \"\(c)\""))
        }
        return codes
    }

    /// Throws the collected problems, if any.
    func check() throws(SettingsProblems) {
        if !problems.isEmpty { throw SettingsProblems(problems: problems) }
    }
}

/// ISO 3166-1 alpha-2 codes, from the platform's region list (the brand file only checks the shape).
enum CountryCodes {
    static let known: Set<String> = Set(Locale.Region.isoRegions.map(\.identifier).filter { $0.count == 2 && $0.allSatisfy(\.isLetter) })
        .union(Countries.all.keys)

    static func isKnown(_ code: String) -> Bool { known.contains(code) }
}

/// What a settings page shows in a field: the refused form's value when there is one (so nothing
/// typed is lost), else the stored setting.
struct FormEcho {
    let form: [String: String]?

    func text(_ key: String, _ current: String) -> String { form?[key] ?? current }
    func checked(_ key: String, _ current: Bool) -> Bool { form.map { $0[key] != nil } ?? current }
}
