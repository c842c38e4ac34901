import AtriumBrandConfig
import Foundation

/// A document as the decision engine sees it: what it is, when it was issued, and what the client
/// declared on it (the declared data is compared with the profile).
public struct SubmittedDocument: Sendable, Equatable {
    public var kind: String
    public var issuedOn: Date?
    public var declaredName: String?
    public var declaredDateOfBirth: String?
    /// Another client of the same brand uploaded a file with the same SHA-256.
    public var duplicateOfAnotherClient: Bool

    public init(kind: String, issuedOn: Date? = nil, declaredName: String? = nil, declaredDateOfBirth: String? = nil,
                duplicateOfAnotherClient: Bool = false) {
        self.kind = kind
        self.issuedOn = issuedOn
        self.declaredName = declaredName
        self.declaredDateOfBirth = declaredDateOfBirth
        self.duplicateOfAnotherClient = duplicateOfAnotherClient
    }
}

/// Everything the engine decides on, gathered by the caller.
public struct KYCApplication: Sendable, Equatable {
    public var country: String
    public var fullName: String
    /// `YYYY-MM-DD` from the profile.
    public var dateOfBirth: String?
    public var documents: [SubmittedDocument]
    /// Deposits so far, in the currency of the brand's proof-of-funds threshold.
    public var depositedMinor: Int64
    /// Countries seen at registration and now (from the client's IP), and whether the browser is known.
    public var registrationCountry: String?
    public var currentCountry: String?
    public var knownDevice: Bool
    public var now: Date

    public init(country: String, fullName: String, dateOfBirth: String?, documents: [SubmittedDocument], depositedMinor: Int64 = 0,
                registrationCountry: String? = nil, currentCountry: String? = nil, knownDevice: Bool = true, now: Date) {
        self.country = country
        self.fullName = fullName
        self.dateOfBirth = dateOfBirth
        self.documents = documents
        self.depositedMinor = depositedMinor
        self.registrationCountry = registrationCountry
        self.currentCountry = currentCountry
        self.knownDevice = knownDevice
        self.now = now
    }
}

/// The outcome of sanctions/PEP screening. `notScreened` (no lists loaded, or a caller that does not
/// screen) is never treated as a pass or a fail; `possibleMatch` adds the `sanctions_hit` reason.
public enum ScreeningResult: Sendable, Equatable {
    case notScreened
    case clear
    case possibleMatch(String)
}

/// The screening step the pipeline calls for every application. The trader room passes the result
/// of `Screening.screen` (AtriumCompliance), run in the same transaction just before.
public protocol ScreeningProvider: Sendable {
    func screen(name: String, dateOfBirth: String?, country: String) async throws -> ScreeningResult
}

/// The built-in step: it does not screen, and says so.
public struct NoScreening: ScreeningProvider {
    public init() {}
    public func screen(name: String, dateOfBirth: String?, country: String) async throws -> ScreeningResult { .notScreened }
}

/// Why an application is not approved automatically. Stored and shown to Compliance by raw value.
public enum KYCReason: String, Sendable, CaseIterable, Comparable {
    case blockedCountry = "blocked_country"
    case underage
    case missingDateOfBirth = "missing_date_of_birth"
    case missingIdentity = "missing_identity"
    case missingProofOfAddress = "missing_proof_of_address"
    case missingProofOfFunds = "missing_proof_of_funds"
    case documentTooOld = "document_too_old"
    case nameMismatch = "name_mismatch"
    case dateOfBirthMismatch = "date_of_birth_mismatch"
    case highRiskCountry = "high_risk_country"
    case duplicateDocument = "duplicate_document"
    case newDevice = "new_device"
    case countryChanged = "country_changed"
    /// A sanctions list entry scored at or above the brand's screening threshold.
    case sanctionsHit = "sanctions_hit"
    case manualReviewPolicy = "manual_review_policy"

    public static func < (a: Self, b: Self) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// The missing-document reason for a document kind.
    static func missing(_ kind: String) -> KYCReason {
        switch kind {
        case "identity": .missingIdentity
        case "proof_of_address": .missingProofOfAddress
        default: .missingProofOfFunds
        }
    }
}

public enum KYCDecision: Sendable, Equatable {
    case approved
    /// Exceptions for the Compliance queue.
    case review([KYCReason])
    /// Refused outright (blocked country, under the minimum age).
    case rejected([KYCReason])
}

/// The per-brand decision engine: rules per jurisdiction from `tenants/<slug>.yaml` (`kyc:`).
public enum KYCEngine {
    static let fallback = TenantConfig.Jurisdiction(requiredDocuments: ["identity", "proof_of_address"], minimumAge: 18,
                                                    documentMaxAgeDays: 90, autoApprove: false)

    /// The rules for a country: its own entry, else `default`, else a strict built-in default.
    public static func jurisdiction(for country: String, in rules: TenantConfig.KYCRules?) -> TenantConfig.Jurisdiction {
        rules?.jurisdictions?[country] ?? rules?.jurisdictions?["default"] ?? fallback
    }

    /// Documents this client must provide (proof of funds once deposits reach the brand's threshold).
    public static func requiredDocuments(country: String, depositedMinor: Int64, rules: TenantConfig.KYCRules?) -> [String] {
        var kinds = jurisdiction(for: country, in: rules).requiredDocuments
        if let threshold = rules?.proofOfFundsThreshold, depositedMinor >= threshold.amountMinor, !kinds.contains("proof_of_funds") {
            kinds.append("proof_of_funds")
        }
        return kinds
    }

    public static func decide(_ a: KYCApplication, rules: TenantConfig.KYCRules?, screening: ScreeningResult) -> KYCDecision {
        let j = jurisdiction(for: a.country, in: rules)
        var refusals: [KYCReason] = []
        if (rules?.blockedCountries ?? []).contains(a.country) { refusals.append(.blockedCountry) }
        let birth = a.dateOfBirth.flatMap(parseDate)
        if let birth, age(at: a.now, born: birth) < j.minimumAge { refusals.append(.underage) }
        guard refusals.isEmpty else { return .rejected(refusals) }

        var reasons: Set<KYCReason> = []
        if birth == nil { reasons.insert(.missingDateOfBirth) }
        let provided = Set(a.documents.map(\.kind))
        for kind in requiredDocuments(country: a.country, depositedMinor: a.depositedMinor, rules: rules) where !provided.contains(kind) {
            reasons.insert(.missing(kind))
        }
        for d in a.documents {
            if let limit = j.documentMaxAgeDays, d.kind != "identity", let issued = d.issuedOn,
               a.now.timeIntervalSince(issued) > Double(limit) * 86_400 {
                reasons.insert(.documentTooOld)
            }
            if let declared = d.declaredName, normalisedName(declared) != normalisedName(a.fullName) { reasons.insert(.nameMismatch) }
            if let declared = d.declaredDateOfBirth, declared != a.dateOfBirth { reasons.insert(.dateOfBirthMismatch) }
            if d.duplicateOfAnotherClient { reasons.insert(.duplicateDocument) }
        }
        if (rules?.highRiskCountries ?? []).contains(a.country) { reasons.insert(.highRiskCountry) }
        if !a.knownDevice { reasons.insert(.newDevice) }
        if let registered = a.registrationCountry, let current = a.currentCountry, registered != current { reasons.insert(.countryChanged) }
        if case .possibleMatch = screening { reasons.insert(.sanctionsHit) }
        if reasons.isEmpty && !j.autoApprove { reasons.insert(.manualReviewPolicy) }
        return reasons.isEmpty ? .approved : .review(reasons.sorted())
    }

    /// Whole years between `born` and `date` (UTC calendar).
    static func age(at date: Date, born: DateComponents) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let now = calendar.dateComponents([.year, .month, .day], from: date)
        guard let y = now.year, let m = now.month, let d = now.day, let by = born.year, let bm = born.month, let bd = born.day else { return 0 }
        return y - by - ((m, d) < (bm, bd) ? 1 : 0)
    }

    /// Parses a real calendar date `YYYY-MM-DD` (no 2023-02-30).
    public static func parseDate(_ text: String) -> DateComponents? {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1900...2100).contains(y), (1...12).contains(m), d >= 1 else { return nil }
        let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        guard d <= days else { return nil }
        return DateComponents(year: y, month: m, day: d)
    }

    /// Case, accents, punctuation and spacing do not make names differ ("Zoë  O'Neil" = "zoe oneil").
    static func normalisedName(_ name: String) -> String {
        name.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: Locale(identifier: "en_US_POSIX"))
            .unicodeScalars.filter { CharacterSet.letters.contains($0) || $0 == " " }
            .map(String.init).joined()
            .split(separator: " ").joined(separator: " ")
    }
}
