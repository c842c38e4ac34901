import AtriumCore
import Foundation
import Yams

/// A brand definition that cannot be used; names the file, the field path and what was expected.
public struct ConfigValidationError: Error, CustomStringConvertible, Equatable, UserFacingError {
    public var file: String
    public var problems: [Problem]

    public struct Problem: Equatable, Sendable {
        public var path: String
        public var expected: String

        public init(path: String, expected: String) {
            self.path = path
            self.expected = expected
        }
    }

    public init(file: String, problems: [Problem]) {
        self.file = file
        self.problems = problems
    }

    public var description: String {
        problems.map { "\(file): \($0.path): \($0.expected)" }.joined(separator: "\n")
    }
    public var status: Int { 422 }
    public var publicMessage: String { description }
}

extension TenantConfig {
    /// Parses and validates YAML text. `file` is only used in error messages.
    public static func parse(yaml: String, file: String) throws -> TenantConfig {
        let tree: Any?
        do {
            tree = try Yams.load(yaml: yaml)
        } catch {
            throw ConfigValidationError(file: file, problems: [.init(path: "(document)", expected: "valid YAML (\(error))")])
        }
        guard let root = tree as? [String: Any] else {
            throw ConfigValidationError(file: file, problems: [.init(path: "(document)", expected: "a mapping with slug, name, domains, branding, locales, admin")])
        }
        var problems = secretProblems(root, path: "")
        let config: TenantConfig
        do {
            config = try YAMLDecoder().decode(TenantConfig.self, from: yaml)
        } catch let error as DecodingError {
            problems.append(problem(from: error))
            throw ConfigValidationError(file: file, problems: problems)
        }
        problems += config.semanticProblems()
        guard problems.isEmpty else { throw ConfigValidationError(file: file, problems: problems) }
        return config
    }

    /// Key names that must hold an `env:NAME` reference, never a value.
    static func isSecretKey(_ key: String) -> Bool {
        let k = key.lowercased()
        return ["secret", "password", "api_key", "apikey", "token", "private_key", "login"].contains { k.contains($0) }
    }

    static func secretProblems(_ node: Any, path: String) -> [ConfigValidationError.Problem] {
        var out: [ConfigValidationError.Problem] = []
        if let map = node as? [String: Any] {
            for (key, value) in map.sorted(by: { $0.key < $1.key }) {
                let p = path.isEmpty ? key : "\(path).\(key)"
                if isSecretKey(key), !(value is [String: Any]), !(value is [Any]) {
                    let s = "\(value)"
                    if s.range(of: "^env:[A-Z_][A-Z0-9_]*$", options: .regularExpression) == nil {
                        out.append(.init(path: p, expected: "a secret reference like env:NAME (secrets are never stored in brand files), got a literal value"))
                    }
                } else {
                    out += secretProblems(value, path: p)
                }
            }
        } else if let list = node as? [Any] {
            for (i, v) in list.enumerated() { out += secretProblems(v, path: "\(path)[\(i)]") }
        }
        return out
    }

    static func problem(from error: DecodingError) -> ConfigValidationError.Problem {
        func pathString(_ path: [any CodingKey]) -> String {
            path.reduce("") { acc, key in
                if let i = key.intValue { return acc + "[\(i)]" }
                return acc.isEmpty ? key.stringValue : acc + "." + key.stringValue
            }
        }
        switch error {
        case let .keyNotFound(key, ctx):
            let base = pathString(ctx.codingPath)
            return .init(path: base.isEmpty ? key.stringValue : "\(base).\(key.stringValue)", expected: "a value (this field is required)")
        case let .typeMismatch(type, ctx):
            return .init(path: pathString(ctx.codingPath), expected: "a value of type \(typeName(type))")
        case let .valueNotFound(type, ctx):
            return .init(path: pathString(ctx.codingPath), expected: "a value of type \(typeName(type))")
        case let .dataCorrupted(ctx):
            return .init(path: pathString(ctx.codingPath), expected: ctx.debugDescription)
        @unknown default:
            return .init(path: "(document)", expected: "\(error)")
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "text"
        case is Int.Type, is Int64.Type: "integer"
        case is Bool.Type: "true/false"
        case is [String].Type, is [Any].Type: "list"
        default: "\(type)".contains("Array") ? "list" : "mapping"
        }
    }

    /// A new brand with default branding, English and Spanish, and no KYC, PSP or platform
    /// sections; throws when the result would not validate.
    public static func starter(slug: Slug, name: String, domains: [String], adminEmail: String) throws -> TenantConfig {
        let config = TenantConfig(
            slug: slug, name: name.trimmingCharacters(in: .whitespaces), domains: domains.map { $0.lowercased() },
            branding: .init(primaryColor: "#1f4fd1", accentColor: "#f5a623", logo: nil,
                            legalFooter: "\(name) — trading CFDs carries a high level of risk.", supportEmail: nil),
            locales: .init(default: "en", available: ["en", "es"]), admin: .init(email: adminEmail.lowercased()),
            kyc: nil, psps: nil, platforms: nil)
        let problems = config.semanticProblems()
        guard problems.isEmpty else { throw ConfigValidationError(file: "request", problems: problems) }
        return config
    }

    /// Rules beyond types: formats, references between fields, and limits.
    public func semanticProblems() -> [ConfigValidationError.Problem] {
        var p: [ConfigValidationError.Problem] = []
        let hex = "^#[0-9a-fA-F]{6}$"
        let country = "^[A-Z]{2}$"
        let currency = "^[A-Z]{3}$"
        if name.trimmingCharacters(in: .whitespaces).isEmpty || name.count > 100 { p.append(.init(path: "name", expected: "1-100 characters")) }
        if domains.isEmpty { p.append(.init(path: "domains", expected: "at least one hostname")) }
        for (i, d) in domains.enumerated() where !TenantConfig.isValidHostname(d) {
            p.append(.init(path: "domains[\(i)]", expected: "a lowercase hostname without port or scheme, got \"\(d)\""))
        }
        if Set(domains).count != domains.count { p.append(.init(path: "domains", expected: "no duplicates")) }
        if branding.primaryColor.range(of: hex, options: .regularExpression) == nil { p.append(.init(path: "branding.primary_color", expected: "a colour like #0b5fff")) }
        if branding.accentColor.range(of: hex, options: .regularExpression) == nil { p.append(.init(path: "branding.accent_color", expected: "a colour like #ffb400")) }
        // A file under templates/brands/<slug>/static/, or a logo uploaded in the Back Office (brand_assets, named by content).
        if let logo = branding.logo, (logo.range(of: "^[A-Za-z0-9_.-]+\\.(svg|png)$", options: .regularExpression) == nil
                                      && logo.range(of: "^asset-[0-9a-f]{20}\\.(png|jpg|webp)$", options: .regularExpression) == nil) || logo.contains("..") {
            p.append(.init(path: "branding.logo", expected: "a file name like logo.svg under templates/brands/<slug>/static/, or an uploaded asset-… logo"))
        }
        if branding.legalFooter.count > 2000 { p.append(.init(path: "branding.legal_footer", expected: "at most 2000 characters")) }
        if locales.available.isEmpty { p.append(.init(path: "locales.available", expected: "at least one locale")) }
        if !locales.available.contains(locales.default) { p.append(.init(path: "locales.default", expected: "one of locales.available \(locales.available)")) }
        for (i, l) in locales.available.enumerated() where !Locale.supported.contains(l) {
            p.append(.init(path: "locales.available[\(i)]", expected: "one of \(Locale.supported.sorted()), got \"\(l)\""))
        }
        if !TenantConfig.isValidEmail(admin.email) { p.append(.init(path: "admin.email", expected: "an email address")) }
        if let kyc {
            for (i, c) in (kyc.blockedCountries ?? []).enumerated() where c.range(of: country, options: .regularExpression) == nil {
                p.append(.init(path: "kyc.blocked_countries[\(i)]", expected: "an ISO 3166 alpha-2 code like US"))
            }
            for (i, c) in (kyc.highRiskCountries ?? []).enumerated() where c.range(of: country, options: .regularExpression) == nil {
                p.append(.init(path: "kyc.high_risk_countries[\(i)]", expected: "an ISO 3166 alpha-2 code like NG"))
            }
            if let t = kyc.proofOfFundsThreshold {
                if t.amountMinor < 0 { p.append(.init(path: "kyc.proof_of_funds_threshold.amount_minor", expected: "a non-negative integer (minor units)")) }
                if t.currency.range(of: currency, options: .regularExpression) == nil { p.append(.init(path: "kyc.proof_of_funds_threshold.currency", expected: "an ISO 4217 code like USD")) }
            }
            for (key, j) in (kyc.jurisdictions ?? [:]).sorted(by: { $0.key < $1.key }) {
                if key != "default" && key.range(of: country, options: .regularExpression) == nil { p.append(.init(path: "kyc.jurisdictions.\(key)", expected: "a country code or \"default\"")) }
                if !(16...99).contains(j.minimumAge) { p.append(.init(path: "kyc.jurisdictions.\(key).minimum_age", expected: "an age between 16 and 99")) }
                for (i, f) in (j.registrationFields ?? []).enumerated() where !["phone", "tax_id"].contains(f) {
                    p.append(.init(path: "kyc.jurisdictions.\(key).registration_fields[\(i)]", expected: "phone or tax_id"))
                }
                for (i, d) in j.requiredDocuments.enumerated() where !["identity", "proof_of_address", "proof_of_funds"].contains(d) {
                    p.append(.init(path: "kyc.jurisdictions.\(key).required_documents[\(i)]", expected: "identity, proof_of_address or proof_of_funds"))
                }
            }
        }
        for (i, psp) in (psps ?? []).enumerated() {
            if !["sandbox", "stripe", "crypto", "bank_wire"].contains(psp.type) { p.append(.init(path: "psps[\(i)].type", expected: "sandbox, stripe, crypto or bank_wire")) }
            for (j, c) in psp.currencies.enumerated() where c.range(of: currency, options: .regularExpression) == nil {
                p.append(.init(path: "psps[\(i)].currencies[\(j)]", expected: "an ISO 4217 code like USD"))
            }
            if let lo = psp.minAmountMinor, let hi = psp.maxAmountMinor, lo > hi { p.append(.init(path: "psps[\(i)].min_amount_minor", expected: "not above max_amount_minor")) }
            if psp.currencies.isEmpty { p.append(.init(path: "psps[\(i)].currencies", expected: "at least one ISO 4217 code")) }
            if let lo = psp.minAmountMinor, lo < 1 { p.append(.init(path: "psps[\(i)].min_amount_minor", expected: "a positive integer (minor units)")) }
            if let e = psp.endpoint, e != "sandbox", URL(string: e)?.scheme.map({ ["http", "https"].contains($0) }) != true {
                p.append(.init(path: "psps[\(i)].endpoint", expected: "sandbox or an http(s) URL"))
            }
            if let c = psp.confirmations, !(1...100).contains(c) { p.append(.init(path: "psps[\(i)].confirmations", expected: "between 1 and 100")) }
            if let f = psp.feeBps, !(0...2_000).contains(f) { p.append(.init(path: "psps[\(i)].fee_bps", expected: "basis points between 0 and 2000 (20%)")) }
            if let f = psp.feeFixedMinor, f < 0 { p.append(.init(path: "psps[\(i)].fee_fixed_minor", expected: "a non-negative integer (minor units)")) }
            if let d = psp.dualConfirmAboveMinor, d < 0 { p.append(.init(path: "psps[\(i)].dual_confirm_above_minor", expected: "a non-negative integer (minor units)")) }
        }
        if Set((psps ?? []).map(\.id)).count != (psps ?? []).count { p.append(.init(path: "psps", expected: "unique ids")) }
        for (i, psp) in (psps ?? []).enumerated() where psp.id.range(of: "^[a-z0-9][a-z0-9-]{0,39}$", options: .regularExpression) == nil {
            p.append(.init(path: "psps[\(i)].id", expected: "lowercase letters, digits and dashes (max 40)"))
        }
        if let w = withdrawals {
            let amounts: [(String, [String: Int64]?)] = [("auto_approve_max_minor", w.autoApproveMaxMinor), ("dual_approval_above_minor", w.dualApprovalAboveMinor)]
            for (name, map) in amounts {
                for (code, v) in (map ?? [:]).sorted(by: { $0.key < $1.key }) {
                    if ISO4217.exponents[code] == nil { p.append(.init(path: "withdrawals.\(name).\(code)", expected: "a known ISO 4217 currency code like USD")) }
                    if v < 0 { p.append(.init(path: "withdrawals.\(name).\(code)", expected: "a non-negative integer (minor units of \(code))")) }
                }
            }
            let counts: [(String, Int?)] = [("kyc_max_age_days", w.kycMaxAgeDays), ("known_device_min_age_hours", w.knownDeviceMinAgeHours),
                                            ("unusual_amount_multiplier", w.unusualAmountMultiplier), ("max_per_day", w.maxPerDay)]
            for (name, v) in counts where v.map({ $0 < 1 || $0 > 10_000 }) == true { p.append(.init(path: "withdrawals.\(name)", expected: "an integer between 1 and 10000")) }
        }
        for (i, pl) in (platforms ?? []).enumerated() {
            if !["mt5", "sandbox_mt5", "matchtrader"].contains(pl.type) { p.append(.init(path: "platforms[\(i)].type", expected: "mt5, sandbox_mt5 or matchtrader")) }
            if pl.endpoint != "sandbox" && URL(string: pl.endpoint)?.scheme.map({ ["http", "https"].contains($0) }) != true {
                p.append(.init(path: "platforms[\(i)].endpoint", expected: "an http(s) URL or sandbox"))
            }
            if !Self.isValidItemID(pl.id) { p.append(.init(path: "platforms[\(i)].id", expected: "lowercase letters, digits and dashes")) }
            if (platforms ?? []).filter({ $0.id == pl.id }).count > 1 { p.append(.init(path: "platforms[\(i)].id", expected: "an id used once")) }
            if pl.type == "matchtrader" && pl.apiKey == nil && pl.endpoint != "sandbox" { p.append(.init(path: "platforms[\(i)].api_key", expected: "an api key (env:NAME)")) }
            if pl.type != "matchtrader" && (pl.managerLogin == nil || pl.managerPassword == nil) && pl.endpoint != "sandbox" {
                p.append(.init(path: "platforms[\(i)].manager_login", expected: "manager_login and manager_password (env:NAME)"))
            }
            if let o = pl.serverTimeOffsetMinutes, abs(o) > 14 * 60 { p.append(.init(path: "platforms[\(i)].server_time_offset_minutes", expected: "minutes between -840 and 840")) }
            for (j, at) in (pl.accountTypes ?? []).enumerated() {
                let path = "platforms[\(i)].account_types[\(j)]"
                if at.leverages.isEmpty || at.leverages.contains(where: { $0 < 1 || $0 > 3000 }) {
                    p.append(.init(path: path + ".leverages", expected: "a non-empty list of leverages between 1 and 3000"))
                }
                if let max = at.leverageAutoMax, max < 1 || max > 3000 { p.append(.init(path: path + ".leverage_auto_max", expected: "a leverage between 1 and 3000")) }
                if at.currency.count != 3 || at.currency.uppercased() != at.currency { p.append(.init(path: path + ".currency", expected: "an ISO 4217 code such as USD")) }
                if at.group.isEmpty { p.append(.init(path: path + ".group", expected: "the platform group name")) }
                if !Self.isValidItemID(at.id) { p.append(.init(path: path + ".id", expected: "lowercase letters, digits and dashes")) }
            }
        }
        p += partnerProblems()
        p += securityProblems()
        p += complianceProblems()
        p += apiProblems()
        return p
    }

    /// Ids of connections and account types: they appear in URLs and ledger codes.
    public static func isValidItemID(_ s: String) -> Bool {
        s.count <= 40 && s.range(of: "^[a-z0-9][a-z0-9-]*$", options: .regularExpression) != nil
    }

    public static func isValidHostname(_ s: String) -> Bool {
        s.count <= 253 && s.range(of: "^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", options: .regularExpression) != nil
    }

    public static func isValidEmail(_ s: String) -> Bool {
        s.count <= 254 && s.range(of: "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", options: .regularExpression) != nil
    }

    /// Canonical JSON (sorted keys), used for storage and change detection.
    public func canonicalJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// YAML for export; round-trips through `parse`.
    public func yaml() throws -> String {
        let encoder = YAMLEncoder()
        encoder.options.allowUnicode = true
        // Sorted keys: maps (withdrawal limits per currency, symbol groups) come out the same every time.
        encoder.options.sortKeys = true
        return try encoder.encode(self)
    }

    /// Locales the server ships string tables for.
    public enum Locale {
        public static let supported: Set<String> = ["en", "es", "ar"]
        public static let rightToLeft: Set<String> = ["ar"]
    }
}
