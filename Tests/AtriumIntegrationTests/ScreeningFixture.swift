import AtriumCompliance
import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import Foundation
import Synchronization
import HummingbirdTesting
import PostgresNIO
import Testing

/// TEST DOUBLE, not the matcher: matches a subject whose normalised tokens (case and diacritics
/// folded, sorted) equal those of an entry's primary name or an alias, with score 0.97 and an
/// explanation of exact token pairs; a listed country adds 0.02, a listed year of birth that
/// differs subtracts 0.2. The real `NameMatchIndex` (matcher lane) replaces it at merge.
struct ExactTokenIndex: ScreeningIndex {
    let entries: [ListEntry]
    var versions: [String: UUID] { Dictionary(entries.map { ($0.source, $0.versionID) }) { a, _ in a } }

    static func tokens(_ s: String) -> [String] {
        s.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).lowercased()
            .split { !$0.isLetter }.map(String.init).sorted()
    }

    func matches(for subject: ScreeningSubject, threshold: Double) -> [ScreeningMatch] {
        let wanted = Self.tokens(subject.name)
        return entries.compactMap { entry in
            let names = [(entry.primaryName, false)] + entry.aliases.map { ($0.name, true) }
            guard let (name, alias) = names.first(where: { Self.tokens($0.0) == wanted }) else { return nil }
            let country = subject.country.map { entry.countries.contains($0) } ?? false
            let years = entry.datesOfBirth.compactMap { if case .exact(let y, _, _) = $0 { y } else if case .year(let y) = $0 { y } else { nil } }
            let dobContradicts = subject.dateOfBirth.map { !years.isEmpty && !years.contains($0.year) } ?? false
            let explanation = MatchExplanation(
                matchedName: name, matchedAlias: alias,
                pairs: zip(wanted, Self.tokens(name)).map { .init(subject: $0, listed: $1, similarity: 1, how: "exact") },
                nameScore: 0.97, dateOfBirthEffect: dobContradicts ? -0.2 : 0,
                dateOfBirthNote: dobContradicts ? "listed year differs" : "no contradicting date of birth",
                countryEffect: country ? 0.02 : 0, countryNote: country ? "country listed" : "country not listed")
            let score = min(1, max(0, 0.97 + explanation.dateOfBirthEffect + explanation.countryEffect))
            return score >= threshold ? ScreeningMatch(entry: entry, score: score, explanation: explanation) : nil
        }
    }
}

/// Fictitious list entries for the screening tests.
enum ScreeningEntries {
    static let version = UUID(uuidString: "00000000-0000-4000-8000-00000000a013")!

    static func entry(_ ref: String, _ name: String, aliases: [String] = [], countries: [String] = ["DE"], checksum: String = "c1",
                      dob: [BirthDate] = []) -> ListEntry {
        ListEntry(versionID: version, source: "ofac", ref: ref, kind: "individual", primaryName: name,
                  aliases: aliases.map { .init(name: $0, strong: true) }, datesOfBirth: dob, countries: countries,
                  programs: ["TEST-PROGRAM"], checksum: checksum)
    }

    /// The base list: each test uses its own fictitious person.
    static let base: [ListEntry] = [
        entry("9001", "Viktor Testovich Sanctionov", aliases: ["Vitya Sanctionov"]),
        entry("9002", "Ivana Blocklistova"),
        entry("9003", "Orlo Frozenfield", countries: ["GB"]),
        entry("9004", "Dmitri Falsepositiv"),
        entry("9005", "Kasimir Tenantcross"),
        entry("9006", "Nadia Rolecheck"),
        entry("9007", "Grigor Profilechange"),
    ]
}

/// The "current lists" of the test environment: what the injected index builder reads, as the list
/// store reads the platform tables in production.
final class TestLists: Sendable {
    let entries = Mutex(ScreeningEntries.base)
    func set(_ new: [ListEntry]) { entries.withLock { $0 = new } }
    func index() -> ExactTokenIndex { ExactTokenIndex(entries: entries.withLock { $0 }) }
}

/// One brand environment for the screening suites, with the test double installed.
enum ScreeningFixture {
    struct Env: Sendable {
        let s: AppServices
        let aurora: TenantHandle
        let meridian: TenantHandle
        let lists: TestLists
    }

    static let env = Task<Env, any Error> {
        var s = try await TestEnv.started("screening")
        let lists = TestLists()
        s.screening = Screening { lists.index() }
        try await TestEnv.applyBrands(["aurora", "meridian"], to: s)
        for (role, name) in [(BuiltinRole.superAdmin, "super"), (.compliance, "compliance"), (.finance, "finance"), (.sales, "sales"), (.support, "support")] {
            try await DemoSeed.upsertStaff(slug: "aurora", email: "\(name)@aurora.test", role: role, password: "compliance-pass-1", services: s)
        }
        try await DemoSeed.upsertStaff(slug: "meridian", email: "compliance@meridian.test", role: .compliance, password: "compliance-pass-1", services: s)
        guard let aurora = try await s.registry.tenant(slug: "aurora"), let meridian = try await s.registry.tenant(slug: "meridian") else {
            throw ProvisioningError.notFound("aurora or meridian")
        }
        return Env(s: s, aurora: aurora.handle, meridian: meridian.handle, lists: lists)
    }

    static func with(_ body: @Sendable (Env, any TestClientProtocol) async throws -> Void) async throws {
        let e = try await env.value
        try await buildApplication(services: e.s).test(.router) { client in try await body(e, client) }
    }

    static func register(_ client: any TestClientProtocol, host: String = "aurora.localhost", name: String, email: String,
                         country: String = "GB") async throws -> FormClient {
        let web = FormClient(client, host: host)
        let r = try await web.post("/register", ["name": name, "email": email, "password": "long-enough-pass", "country": country, "accept_terms": "yes"])
        #expect(r.status == .seeOther, "registration of \(email)")
        return web
    }

    static func staff(_ client: any TestClientProtocol, _ name: String, host: String = "aurora.localhost") async throws -> FormClient {
        try await KYCTests.complianceOfficer(client, host: host, email: "\(name)@\(host.replacingOccurrences(of: ".localhost", with: "")).test")
    }

    static func userID(_ s: AppServices, _ t: TenantHandle, email: String) async throws -> UUID {
        try await s.tenantDB.transaction(t) { tx in try #require(try await Users.find(audience: .trader, email: email, in: tx)) }
    }

    static func count(_ s: AppServices, _ t: TenantHandle, _ sql: String) async throws -> Int {
        try await s.tenantDB.transaction(t) { tx in try await tx.query(PostgresQuery(unsafeSQL: sql)).collect().first?.decode(Int.self) ?? -1 }
    }

    static func hitIDs(_ s: AppServices, _ t: TenantHandle, client: UUID, status: String = "open") async throws -> [UUID] {
        try await s.tenantDB.transaction(t) { tx in
            try await tx.query("SELECT id FROM screening_hits WHERE client_id = \(client) AND status = \(status) ORDER BY created_at").collect()
                .map { try $0.decode(UUID.self) }
        }
    }
}
