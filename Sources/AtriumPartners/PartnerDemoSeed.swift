import AtriumCore
import AtriumIdentity
import AtriumStorage
import Foundation

/// Demo data for the IB programme: a published plan, IBs in a small tree and referred clients.
/// Every function finds what an earlier run made before making anything, so a restarted demo
/// ends with the same rows. Development only (`atrium demo`); the portals never call it.
///
/// The IB rows are written here because the network lane's IB lifecycle (applications, approval)
/// is not on this branch; the rows are the ones approval writes: an `ib` user, a partner, its
/// default link, its parent and its plan.
public enum PartnerDemoSeed {
    /// When the demo's history starts: plan, tree and attributions are effective from here, so
    /// deals the sandbox back-dates are covered.
    public static let since = Date(timeIntervalSince1970: 1_735_689_600) // 2025-01-01T00:00:00Z

    /// The demo hybrid plan: forex/metals/indices/crypto rebates on three levels, 20 % / 5 % of the
    /// client's commission, a CPA, a cap, one volume tier, pay on close, 60 s minimum hold.
    public static func hybridPlan(currency: String, symbolGroups: Set<String>) -> CommissionPlan {
        let rates: [String: [Int64]] = ["forex": [500, 100, 50], "metals": [800, 150, 50], "indices": [300, 50, 25], "crypto": [1_000, 200, 100]]
        return CommissionPlan(currency: currency, payOn: .close, minHoldSeconds: 60, payOwnAccounts: false, levels: 3,
                              rebates: rates.keys.sorted().filter(symbolGroups.contains).map { .init(symbolGroup: $0, perLotMinor: rates[$0] ?? []) },
                              revenueShare: .init(commissionBps: [2_000, 500]),
                              cpa: .init(perLevelMinor: [25_000, 5_000], minFirstDepositMinor: 20_000, minLotsExt: CommissionPlan.lotExt, withinDays: 30),
                              capPerLotMinor: 1_500, tiers: [.init(minLotsExt: 100 * CommissionPlan.lotExt, rebateBonusBps: 1_000)])
    }

    /// The plan named `name` with a published version of `body` effective from `since`; made
    /// through `CommissionPlans` (validated, audited) the first time, found afterwards.
    public static func ensurePublishedPlan(name: String, body: CommissionPlan, symbolGroups: Set<String>, in tx: TenantTransaction) async throws -> UUID {
        let existing = try await tx.query("SELECT id FROM commission_plans WHERE lower(name) = lower(\(name))").collect().first?.decode(UUID.self)
        let plan: UUID
        if let existing { plan = existing } else { plan = try await CommissionPlans.create(name: name, actor: "demo", in: tx) }
        let published = try await tx.query("SELECT count(*)::int FROM commission_plan_versions WHERE plan_id = \(plan) AND status = 'published'")
            .collect().first?.decode(Int.self) ?? 0
        if published == 0 {
            let draft = try await CommissionPlans.saveDraft(plan: plan, body: body, effectiveFrom: since, symbolGroups: symbolGroups, actor: "demo",
                                                            now: since, in: tx)
            _ = try await CommissionPlans.publish(version: draft.id, symbolGroups: symbolGroups, actor: "demo", now: since, in: tx)
        }
        return plan
    }

    /// The IB signing in as `email` (password hash `passwordHash`, reset on every run), under
    /// `parent`, paid under `plan`, with its default link `code`; returns the partner id.
    public static func ensurePartner(email: String, name: String, passwordHash: String, currency: String, code: String, parent: UUID?,
                                     plan: UUID, in tx: TenantTransaction) async throws -> UUID {
        let user: UUID
        if let found = try await Users.find(audience: .ib, email: email, in: tx) {
            user = found
            try await Users.setPassword(user: user, hash: passwordHash, in: tx)
        } else {
            guard let made = try await Users.create(audience: .ib, email: email, name: name, passwordHash: passwordHash, in: tx) else {
                throw PlanError.invalid([PlanProblem(field: "email", reason: "\(email) could not be created")])
            }
            user = made
        }
        if let partner = try await tx.query("SELECT id FROM partners WHERE user_id = \(user)").collect().first?.decode(UUID.self) { return partner }
        let partner = UUID()
        try await tx.query("INSERT INTO partners (id, user_id, wallet_currency, created_at) VALUES (\(partner), \(user), \(currency), \(since))")
        try await tx.query("""
            INSERT INTO partner_links (partner_id, code, campaign, target, is_default) VALUES (\(partner), \(code), 'default', 'register', true)
            ON CONFLICT DO NOTHING
            """)
        try await tx.query("INSERT INTO partner_parents (partner_id, parent_id, effective_from, note) VALUES (\(partner), \(parent), \(since), 'demo')")
        try await tx.query("INSERT INTO partner_plans (partner_id, plan_id, effective_from) VALUES (\(partner), \(plan), \(since))")
        try await AuditLog.append(AuditEntry(actor: "demo", action: "partners.demo_ib_created", subject: "partner:\(partner.uuidString.lowercased())",
                                             after: try CanonicalJSON.object(["email": email, "parent": parent?.uuidString.lowercased()])), in: tx)
        return partner
    }

    /// The verified trader `email` attributed to `partner` since `since`; returns the user id.
    public static func ensureClient(email: String, name: String, country: String, passwordHash: String, partner: UUID,
                                    in tx: TenantTransaction) async throws -> UUID {
        let client: UUID
        if let found = try await Users.find(audience: .trader, email: email, in: tx) {
            client = found
            try await Users.setPassword(user: client, hash: passwordHash, in: tx)
        } else {
            guard let made = try await Users.create(audience: .trader, email: email, name: name, country: country, passwordHash: passwordHash, in: tx) else {
                throw PlanError.invalid([PlanProblem(field: "email", reason: "\(email) could not be created")])
            }
            client = made
            try await tx.query("UPDATE users SET kyc_status = 'approved', kyc_approved_at = now(), email_verified_at = now() WHERE id = \(client)")
        }
        try await tx.query("""
            INSERT INTO client_attributions (client_id, partner_id, link_id, effective_from, reason, note)
            SELECT \(client), \(partner), (SELECT id FROM partner_links WHERE partner_id = \(partner) AND is_default), \(since), 'created_by_staff', 'demo'
            ON CONFLICT (client_id, effective_from) DO NOTHING
            """)
        return client
    }

    /// Records `rate` for base/quote from `since` unless a rate at that moment exists.
    public static func ensureFXRate(base: String, quote: String, rate: String, in tx: TenantTransaction) async throws {
        let exists = try await tx.query("SELECT 1 FROM fx_rates WHERE base = \(base) AND quote = \(quote) AND as_of = \(since)").collect()
        guard exists.isEmpty else { return }
        _ = try await RecordedFXRates.record(base: base, quote: quote, asOf: since, rate: rate, source: "demo", actor: "demo", in: tx)
    }
}
