import AtriumBrandConfig
import AtriumCore
import AtriumIdentity
import AtriumLedger
import AtriumStorage
import AtriumTenancy
import Foundation

/// What the demo history of one brand holds after seeding, and how much of it this run made.
public struct DemoHistory: Sendable, Equatable {
    /// Demo clients of the brand (`demo-NNN@<slug>.test`).
    public var clients: Int
    /// Clients this run created (0 when the history was already there).
    public var created: Int
    public var deposits: Int
    public var withdrawals: Int
    public var kycDecisions: Int
    public var leads: Int
    /// Clients assigned to the demo Sales agent.
    public var assigned: Int
}

extension DemoSeed {
    public static let salesPassword = "sales-demo-pass"
    public static let compliancePassword = "compliance-demo-pass"
    public static let supportPassword = "support-demo-pass"
    /// How many demo clients each brand gets.
    public static let historyClients = 60

    /// Ninety days of history for the dashboard: clients registered over the last 90 days, KYC
    /// decisions, deposits and withdrawals (payments with their events, booked through the ledger's
    /// transfer functions with deterministic transfer ids), leads at every stage, and a third of the
    /// clients assigned to `sales@<slug>.test`. Deterministic (seeded from the slug) and idempotent:
    /// a client that exists is left as it is, so running it again adds nothing. One transaction.
    public static func seedHistory(slug: String, clients count: Int = historyClients, now: Date = Date(),
                                   services: AppServices) async throws -> DemoHistory {
        guard let tenant = try await services.registry.tenant(slug: slug), let brand = tenant.config else { throw ProvisioningError.notFound(slug) }
        // Hashing the password is most of a re-run's time; skip it when every client exists.
        let existing = try await services.tenantDB.transaction(tenant.handle) { tx in
            try await tx.query("SELECT count(*)::int FROM users WHERE audience = 'trader' AND email LIKE 'demo-%'").collect().first?.decode(Int.self) ?? 0
        }
        let prepared = existing >= count ? nil : try await services.authenticator.hasher.hash(clientPassword)
        let psp = brand.psps?.first
        guard let currency = Currency(psp?.currencies.first ?? "USD") else { throw InputError(field: "psps[0].currencies", reason: "unknown currency") }
        return try await services.tenantDB.transaction(tenant.handle) { tx in
            let sales = try await Users.find(audience: .staff, email: "sales@\(slug).test", in: tx)
            let compliance = try await Users.find(audience: .staff, email: "compliance@\(slug).test", in: tx)
            var rng = DemoRandom(seed: "atrium-demo-history:\(slug)")
            var created = 0
            var hash = prepared
            for i in 1...count {
                // Every client draws from the generator whether or not it exists, so each keeps its history.
                let plan = DemoClientPlan(index: i, slug: slug, rng: &rng)
                guard try await Users.find(audience: .trader, email: plan.email, in: tx) == nil else { continue }
                let passwordHash: String
                if let hash { passwordHash = hash } else { passwordHash = try await services.authenticator.hasher.hash(clientPassword); hash = passwordHash }
                guard let id = try await Users.create(audience: .trader, email: plan.email, name: plan.name, country: plan.country,
                                                      passwordHash: passwordHash, in: tx) else { continue }
                created += 1
                let writer = DemoHistoryWriter(tx: tx, client: id, plan: plan, now: now, psp: psp, currency: currency,
                                               compliance: compliance, sales: sales)
                try await writer.write()
            }
            return try await DemoHistoryWriter.summary(slug: slug, created: created, in: tx)
        }
    }
}

/// One demo client's story, drawn from the generator: when they registered, what KYC decided,
/// their deposits and withdrawal, their lead stage and whether Sales owns them.
struct DemoClientPlan {
    static let first = ["Ana", "Bruno", "Chen", "Dana", "Elif", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kemal", "Lena", "Marco", "Nadia", "Omar", "Paula"]
    static let last = ["Silva", "Novak", "Wong", "Ibrahim", "Keller", "Rossi", "Haddad", "Moreau", "Garcia", "Berg", "Yilmaz", "Costa"]
    static let countries = ["GB", "DE", "ES", "FR", "IT", "AE", "PL", "NL", "SE", "PT"]

    let email: String
    let name: String
    let country: String
    /// Seconds before `now` the client registered (up to 90 days).
    let registeredAgo: Int
    /// `approved`, `rejected`, `submitted` or `not_started`.
    let kyc: String
    /// Hours from registration to the KYC decision.
    let decisionHours: Int
    /// Deposits in minor units with the hours after the decision each succeeded.
    let deposits: [(amount: Int64, hoursAfter: Int)]
    /// The withdrawal's share of the deposits in percent (0: none).
    let withdrawPercent: Int
    /// The lead stage of an unfunded client.
    let stage: String
    let assigned: Bool

    init(index: Int, slug: String, rng: inout DemoRandom) {
        email = "demo-" + String(String(index + 1000).suffix(3)) + "@\(slug).test"
        name = Self.first[rng.int(0...Self.first.count - 1)] + " " + Self.last[rng.int(0...Self.last.count - 1)]
        country = Self.countries[rng.int(0...Self.countries.count - 1)]
        registeredAgo = rng.int(3_600...(90 * 86_400 - 3_600))
        let roll = rng.int(1...100)
        kyc = roll <= 65 ? "approved" : roll <= 75 ? "rejected" : roll <= 88 ? "submitted" : "not_started"
        decisionHours = rng.int(1...72)
        let funded = kyc == "approved" && rng.chance(70)
        deposits = funded ? (0..<rng.int(1...3)).map { _ in (Int64(rng.int(1...50)) * 10_000, rng.int(1...240)) } : []
        withdrawPercent = funded && rng.chance(35) ? rng.int(10...50) : 0
        stage = ["new", "contacted", "documents", "lost"][rng.int(0...3)]
        assigned = rng.chance(35)
    }
}
