import AtriumCore
import AtriumStorage
import Foundation

/// One effective-dated plan assignment of an IB.
public struct PartnerPlanAssignment: Sendable, Equatable {
    public let partnerID: UUID
    public let partnerEmail: String
    public let planID: UUID
    public let planName: String
    public let effectiveFrom: Date
}

/// Which plan an IB's clients are paid under, from when (`partner_plans`). An assignment never
/// changes the past: its date is now or later, and a later row supersedes an earlier one.
public enum PartnerPlanAssignments {
    /// Assigns `plan` to the IB whose portal sign-in is `email`, from `effectiveFrom`.
    public static func assign(partnerEmail email: String, plan: UUID, effectiveFrom: Date, actor: String, requestID: String = "",
                              now: Date = Date(), in tx: TenantTransaction) async throws {
        guard let partner = try await partnerID(email: email, in: tx) else { throw PlanError.invalid([PlanProblem(field: "partner", reason: "the sign-in email of an existing IB")]) }
        try await assign(partner: partner, plan: plan, effectiveFrom: effectiveFrom, actor: actor, requestID: requestID, now: now, in: tx)
    }

    /// The IB whose portal sign-in is `email`, or nil.
    public static func partnerID(email: String, in tx: TenantTransaction) async throws -> UUID? {
        try await tx.query("""
            SELECT p.id FROM partners p JOIN users u ON u.id = p.user_id WHERE u.audience = 'ib' AND lower(u.email) = lower(\(email))
            """).collect().first?.decode(UUID.self)
    }

    /// The sign-in emails of `partners`.
    public static func emails(of partners: [UUID], in tx: TenantTransaction) async throws -> [UUID: String] {
        var out: [UUID: String] = [:]
        let rows = try await tx.query("SELECT p.id, u.email FROM partners p JOIN users u ON u.id = p.user_id WHERE p.id = ANY(\(partners))")
        for try await (id, email) in rows.decode((UUID, String).self) { out[id] = email }
        return out
    }

    /// Assigns `plan` to `partner` from `effectiveFrom` (now or later; the plan needs a published version).
    public static func assign(partner: UUID, plan: UUID, effectiveFrom: Date, actor: String, requestID: String = "",
                              now: Date = Date(), in tx: TenantTransaction) async throws {
        if effectiveFrom < now.addingTimeInterval(-60) {
            throw PlanError.invalid([PlanProblem(field: "effective_from", reason: "now or later: an assignment never changes the past")])
        }
        let published = try await tx.query("SELECT count(*)::int FROM commission_plan_versions WHERE plan_id = \(plan) AND status = 'published'")
            .collect().first?.decode(Int.self) ?? 0
        guard try await tx.query("SELECT 1 FROM commission_plans WHERE id = \(plan)").collect().first != nil else { throw PlanError.planNotFound }
        guard published > 0 else { throw PlanError.invalid([PlanProblem(field: "plan", reason: "a plan with a published version")]) }
        let clash = try await tx.query("SELECT 1 FROM partner_plans WHERE partner_id = \(partner) AND effective_from = \(effectiveFrom)").collect()
        guard clash.isEmpty else { throw PlanError.invalid([PlanProblem(field: "effective_from", reason: "this IB already has a plan from this moment")]) }
        try await tx.query("""
            INSERT INTO partner_plans (partner_id, plan_id, effective_from, created_by)
            VALUES (\(partner), \(plan), \(effectiveFrom), \(CommissionPlans.userID(actor)))
            """)
        try await AuditLog.append(AuditEntry(actor: actor, action: "partners.plan.assigned", subject: "partner:\(partner.uuidString.lowercased())",
                                             after: try CanonicalJSON.object(["plan": plan.uuidString.lowercased(),
                                                                              "effective_from": effectiveFrom.formatted(.iso8601)]),
                                             requestID: requestID), in: tx)
    }

    /// The assignments of `plan` (every IB, every date), newest first.
    public static func assignments(plan: UUID, in tx: TenantTransaction) async throws -> [PartnerPlanAssignment] {
        var out: [PartnerPlanAssignment] = []
        let rows = try await tx.query("""
            SELECT pp.partner_id, u.email, pp.plan_id, cp.name, pp.effective_from
            FROM partner_plans pp JOIN partners p ON p.id = pp.partner_id JOIN users u ON u.id = p.user_id
            JOIN commission_plans cp ON cp.id = pp.plan_id
            WHERE pp.plan_id = \(plan) ORDER BY pp.effective_from DESC, u.email LIMIT 500
            """)
        for try await (partner, email, planID, name, from) in rows.decode((UUID, String, UUID, String, Date).self) {
            out.append(PartnerPlanAssignment(partnerID: partner, partnerEmail: email, planID: planID, planName: name, effectiveFrom: from))
        }
        return out
    }
}
