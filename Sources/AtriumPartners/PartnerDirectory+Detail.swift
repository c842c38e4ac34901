import AtriumStorage
import Foundation
import PostgresNIO

extension PartnerDirectory {
    /// A client attributed to an IB, with where the attribution came from.
    public struct Client: Sendable, Equatable {
        public let id: UUID
        public let name: String
        public let email: String
        public let country: String
        public let since: Date
        /// `registration`, `reassigned` or `created_by_staff`.
        public let reason: String
    }

    /// One of the IB's links.
    public struct Link: Sendable, Equatable {
        public let code: String
        public let campaign: String
        public let target: String
        public let isDefault: Bool
        public let clicks: Int64
    }

    /// One row of the IB's plan history.
    public struct PlanAssignment: Sendable, Equatable {
        public let planID: UUID
        public let planName: String
        public let effectiveFrom: Date
    }

    /// One row of the IB's parent history (parent nil: top level from then on).
    public struct ParentChange: Sendable, Equatable {
        public let parentID: UUID?
        public let parentName: String?
        public let effectiveFrom: Date
        public let note: String
        public let by: String?
    }

    /// The clients whose owner at `at` is `partner`, newest attribution first.
    public static func clients(of partner: UUID, at: Date = Date(), in tx: TenantTransaction) async throws -> [Client] {
        try await tx.query("""
            SELECT u.id, u.name, u.email, u.country, o.effective_from, o.reason
            FROM (SELECT DISTINCT ON (client_id) client_id, partner_id, effective_from, reason FROM client_attributions
                  WHERE effective_from <= \(at) ORDER BY client_id, effective_from DESC) o
            JOIN users u ON u.id = o.client_id
            WHERE o.partner_id = \(partner) ORDER BY o.effective_from DESC, u.email
            """).collect().map { row in
            let (id, name, email, country, since, reason) = try row.decode((UUID, String, String, String, Date, String).self)
            return Client(id: id, name: name, email: email, country: country, since: since, reason: reason)
        }
    }

    /// The IB's links, the default first.
    public static func links(of partner: UUID, in tx: TenantTransaction) async throws -> [Link] {
        try await tx.query("""
            SELECT code, campaign, target, is_default, clicks FROM partner_links WHERE partner_id = \(partner) ORDER BY is_default DESC, created_at
            """).collect().map { row in
            let (code, campaign, target, isDefault, clicks) = try row.decode((String, String, String, Bool, Int64).self)
            return Link(code: code, campaign: campaign, target: target, isDefault: isDefault, clicks: clicks)
        }
    }

    /// Every plan assignment of the IB, latest first.
    public static func planHistory(of partner: UUID, in tx: TenantTransaction) async throws -> [PlanAssignment] {
        try await tx.query("""
            SELECT pp.plan_id, cp.name, pp.effective_from FROM partner_plans pp JOIN commission_plans cp ON cp.id = pp.plan_id
            WHERE pp.partner_id = \(partner) ORDER BY pp.effective_from DESC
            """).collect().map { row in
            let (plan, name, from) = try row.decode((UUID, String, Date).self)
            return PlanAssignment(planID: plan, planName: name, effectiveFrom: from)
        }
    }

    /// Every parent edge of the IB, latest first.
    public static func parentHistory(of partner: UUID, in tx: TenantTransaction) async throws -> [ParentChange] {
        try await tx.query("""
            SELECT pp.parent_id, pu.name, pp.effective_from, pp.note, cu.email
            FROM partner_parents pp LEFT JOIN partners parent ON parent.id = pp.parent_id LEFT JOIN users pu ON pu.id = parent.user_id
            LEFT JOIN users cu ON cu.id = pp.created_by
            WHERE pp.partner_id = \(partner) ORDER BY pp.effective_from DESC
            """).collect().map { row in
            let (parent, name, from, note, by) = try row.decode((UUID?, String?, Date, String, String?).self)
            return ParentChange(parentID: parent, parentName: name, effectiveFrom: from, note: note, by: by)
        }
    }

    /// Commission plans a partner can be given, by name.
    public static func plans(in tx: TenantTransaction) async throws -> [(id: UUID, name: String)] {
        try await tx.query("SELECT id, name FROM commission_plans ORDER BY lower(name)").collect().map { row in
            let (id, name) = try row.decode((UUID, String).self)
            return (id, name)
        }
    }
}
