import AtriumKYC
import AtriumBrandConfig
import Foundation
import Testing

@Suite("KYC decision engine")
struct KYCEngineTests {
    static func brand(_ slug: String) throws -> TenantConfig {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("tenants/\(slug).yaml").path
        return try TenantConfig.parse(yaml: String(contentsOfFile: path, encoding: .utf8), file: path)
    }

    static let now = Date(timeIntervalSince1970: 1_795_000_000)   // 2026-11-18
    static func daysAgo(_ d: Double) -> Date { now.addingTimeInterval(-d * 86_400) }
    static let idDoc = SubmittedDocument(kind: "identity", declaredName: "Zoë Traders", declaredDateOfBirth: "1990-05-17")
    static let address = SubmittedDocument(kind: "proof_of_address", issuedOn: daysAgo(20))

    /// By default the identity document declares the profile's own birth date.
    static func app(_ country: String, dob: String? = "1990-05-17", docs: [SubmittedDocument]? = nil, deposited: Int64 = 0,
                    registered: String? = nil, current: String? = nil, knownDevice: Bool = true, name: String = "Zoe  TRADERS") -> KYCApplication {
        let identity = SubmittedDocument(kind: "identity", declaredName: "Zoë Traders", declaredDateOfBirth: dob)
        return KYCApplication(country: country, fullName: name, dateOfBirth: dob, documents: docs ?? [identity, address], depositedMinor: deposited,
                       registrationCountry: registered, currentCountry: current, knownDevice: knownDevice, now: now)
    }

    @Test("Aurora: clean default-jurisdiction applications are approved; Germany always goes to a person", arguments: [
        ("GB", app("GB"), KYCDecision.approved),
        ("DE", app("DE"), .review([.manualReviewPolicy])),
        ("US blocked", app("US"), .rejected([.blockedCountry])),
        ("under 18", app("GB", dob: "2009-01-01"), .rejected([.underage])),
        ("18 today", app("GB", dob: "2008-11-18"), .approved),
        ("high risk", app("NG"), .review([.highRiskCountry])),
        ("no address proof", app("GB", docs: [idDoc]), .review([.missingProofOfAddress])),
        ("old address proof (GB: 90 days)", app("GB", docs: [idDoc, SubmittedDocument(kind: "proof_of_address", issuedOn: daysAgo(91))]), .review([.documentTooOld])),
        ("old address proof is fine in DE (180 days)",
         app("DE", docs: [idDoc, SubmittedDocument(kind: "proof_of_address", issuedOn: daysAgo(150))]), .review([.manualReviewPolicy])),
        ("name on document differs", app("GB", name: "Zoe Other"), .review([.nameMismatch])),
        ("birth date on document differs", app("GB", dob: "1990-05-18", docs: [idDoc, address]), .review([.dateOfBirthMismatch])),
        ("duplicate file", app("GB", docs: [idDoc, SubmittedDocument(kind: "proof_of_address", issuedOn: daysAgo(5), duplicateOfAnotherClient: true)]),
         .review([.duplicateDocument])),
        ("new device and country", app("GB", registered: "GB", current: "FR", knownDevice: false), .review([.newDevice, .countryChanged])),
        ("proof of funds above 10,000.00", app("GB", deposited: 1_000_000), .review([.missingProofOfFunds])),
        ("missing birth date", app("GB", dob: nil, docs: [SubmittedDocument(kind: "identity"), address]), .review([.missingDateOfBirth])),
    ])
    func aurora(label: String, application: KYCApplication, expected: KYCDecision) throws {
        let rules = try Self.brand("aurora").kyc
        #expect(KYCEngine.decide(application, rules: rules, screening: .notScreened) == expected, "\(label)")
    }

    @Test("Kite: 21 and over, Spain auto-approves, Nigeria needs proof of funds and a person", arguments: [
        ("ES", app("ES"), KYCDecision.approved),
        ("20-year-old in Spain", app("ES", dob: "2006-01-01"), .rejected([.underage])),
        ("Canada blocked", app("CA"), .rejected([.blockedCountry])),
        ("NG without proof of funds", app("NG"), .review([.missingProofOfFunds, .highRiskCountry])),
        ("NG with proof of funds", app("NG", docs: [idDoc, address, SubmittedDocument(kind: "proof_of_funds", issuedOn: daysAgo(10))]),
         .review([.highRiskCountry])),
        ("NG address proof older than 60 days", app("NG", docs: [idDoc, SubmittedDocument(kind: "proof_of_address", issuedOn: daysAgo(61)),
                                                                   SubmittedDocument(kind: "proof_of_funds", issuedOn: daysAgo(10))]),
         .review([.documentTooOld, .highRiskCountry])),
        ("proof of funds above 5,000.00 EUR", app("ES", deposited: 500_000), .review([.missingProofOfFunds])),
    ])
    func kite(label: String, application: KYCApplication, expected: KYCDecision) throws {
        let rules = try Self.brand("kite").kyc
        #expect(KYCEngine.decide(application, rules: rules, screening: .notScreened) == expected, "\(label)")
    }

    @Test("Meridian: nothing is approved without a person", arguments: [
        ("AE", app("AE"), KYCDecision.review([.manualReviewPolicy])),
        ("AE at 20", app("AE", dob: "2006-06-01"), .rejected([.underage])),
        ("EG default at 20", app("EG", dob: "2006-06-01"), .review([.manualReviewPolicy])),
        ("SA address proof of 61 days", app("SA", docs: [idDoc, SubmittedDocument(kind: "proof_of_address", issuedOn: daysAgo(61))]),
         .review([.documentTooOld])),
    ])
    func meridian(label: String, application: KYCApplication, expected: KYCDecision) throws {
        let rules = try Self.brand("meridian").kyc
        #expect(KYCEngine.decide(application, rules: rules, screening: .notScreened) == expected, "\(label)")
    }

    @Test("the screening hook: a possible match goes to review; not screening is never a pass or a fail")
    func screening() async throws {
        let rules = try Self.brand("aurora").kyc
        #expect(KYCEngine.decide(Self.app("GB"), rules: rules, screening: .possibleMatch("list X")) == .review([.sanctionsHit]))
        #expect(KYCEngine.decide(Self.app("GB"), rules: rules, screening: .clear) == .approved)
        #expect(try await NoScreening().screen(name: "Zoë", dateOfBirth: nil, country: "GB") == .notScreened)
    }

    @Test("dates must exist on the calendar", arguments: [
        ("1990-02-28", true), ("2024-02-29", true), ("2023-02-29", false), ("1990-13-01", false), ("1990-1-01", false), ("abcd-ef-gh", false), ("", false),
    ])
    func dates(text: String, valid: Bool) {
        #expect((KYCEngine.parseDate(text) != nil) == valid)
    }
}
