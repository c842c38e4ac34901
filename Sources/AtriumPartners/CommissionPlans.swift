import AtriumCore
import AtriumStorage
import Foundation
import PostgresNIO

/// A commission plan: a name with numbered versions.
public struct PlanRecord: Sendable, Equatable {
    public let id: UUID
    public let name: String
    public let createdAt: Date
    /// Versions in all, and the newest published one's number (nil: none published yet).
    public let versions: Int
    public let latestPublished: Int?
}

/// One version of a plan. A draft may still change; a published version never does (AP002).
public struct PlanVersionRecord: Sendable, Equatable {
    public enum Status: String, Sendable { case draft, published }
    public let id: UUID
    public let planID: UUID
    public let version: Int
    public let body: CommissionPlan
    public let effectiveFrom: Date
    public let status: Status
    public let createdAt: Date
    public let publishedAt: Date?
}

/// Why a plan operation was refused; each names the field or the thing that was missing.
public enum PlanError: UserFacingError, Equatable {
    case planNotFound
    case versionNotFound
    /// The version is published and so frozen: edit by saving a new draft.
    case published
    /// The plan body or its effective date is not acceptable (422, each problem names its field).
    case invalid([PlanProblem])

    public var status: Int {
        switch self {
        case .planNotFound, .versionNotFound: 404
        case .published: 409
        case .invalid: 422
        }
    }

    public var publicMessage: String {
        switch self {
        case .planNotFound: "plans_error_not_found"
        case .versionNotFound: "plans_error_version_not_found"
        case .published: "plans_error_version_published"
        case .invalid(let problems): problems.map(\.description).joined(separator: "; ")
        }
    }

    /// The problems, for a form that marks each field.
    public var problems: [PlanProblem] {
        if case .invalid(let p) = self { return p }
        return []
    }
}

/// Commission plans and their versions (SPEC §10): create, draft, edit a draft, publish, list.
/// Every change is audited in the same transaction; publication is checked against the brand's
/// symbol groups, and the database keeps a published version frozen.
public enum CommissionPlans {
    static let versionColumns = "id, plan_id, version, body::text, effective_from, status, created_at, published_at"

    /// Creates a plan named `name` (unique without regard to case); returns its id.
    public static func create(name: String, actor: String, requestID: String = "", in tx: TenantTransaction) async throws -> UUID {
        let name = name.trimmingCharacters(in: .whitespaces)
        guard (1...100).contains(name.count) else { throw PlanError.invalid([PlanProblem(field: "name", reason: "1 to 100 characters")]) }
        let exists = try await tx.query("SELECT 1 FROM commission_plans WHERE lower(name) = lower(\(name))").collect()
        guard exists.isEmpty else { throw PlanError.invalid([PlanProblem(field: "name", reason: "another plan already has this name")]) }
        let id = UUID()
        try await tx.query("INSERT INTO commission_plans (id, name, created_by) VALUES (\(id), \(name), \(Self.userID(actor)))")
        try await AuditLog.append(AuditEntry(actor: actor, action: "partners.plan.created", subject: "commission_plan:\(id.uuidString.lowercased())",
                                             after: try CanonicalJSON.object(["name": name]), requestID: requestID), in: tx)
        return id
    }

    /// Saves a new draft version (the next number) of `plan`. The body is validated as publication
    /// would validate it, so a draft that saves is one that can be published now.
    public static func saveDraft(plan: UUID, body: CommissionPlan, effectiveFrom: Date, symbolGroups: Set<String>, actor: String,
                                 requestID: String = "", now: Date = Date(), in tx: TenantTransaction) async throws -> PlanVersionRecord {
        let problems = body.problems(symbolGroups: symbolGroups, effectiveFrom: effectiveFrom, now: now)
        guard problems.isEmpty else { throw PlanError.invalid(problems) }
        // The plan row lock numbers concurrent drafts one after the other.
        guard try await tx.query("SELECT 1 FROM commission_plans WHERE id = \(plan) FOR UPDATE").collect().first != nil else { throw PlanError.planNotFound }
        let next = try await tx.query("SELECT COALESCE(max(version), 0) + 1 FROM commission_plan_versions WHERE plan_id = \(plan)")
            .collect().first?.decode(Int.self) ?? 1
        let json = try CanonicalJSON.text(body)
        let rows = try await tx.query("""
            INSERT INTO commission_plan_versions (plan_id, version, body, effective_from, created_by)
            VALUES (\(plan), \(next), \(json)::jsonb, \(effectiveFrom), \(Self.userID(actor)))
            RETURNING \(unescaped: versionColumns)
            """).collect()
        guard let row = rows.first else { throw PlanError.versionNotFound }
        let saved = try decode(row)
        try await AuditLog.append(AuditEntry(actor: actor, action: "partners.plan.draft_saved", subject: "commission_plan_version:\(saved.id.uuidString.lowercased())",
                                             after: try audit(saved), requestID: requestID), in: tx)
        return saved
    }

    /// Replaces the body and effective date of a draft. A published version is refused here
    /// (409) before the database trigger would refuse it (AP002).
    public static func editDraft(version id: UUID, body: CommissionPlan, effectiveFrom: Date, symbolGroups: Set<String>, actor: String,
                                 requestID: String = "", now: Date = Date(), in tx: TenantTransaction) async throws -> PlanVersionRecord {
        guard let before = try await version(id: id, lock: true, in: tx) else { throw PlanError.versionNotFound }
        guard before.status == .draft else { throw PlanError.published }
        let problems = body.problems(symbolGroups: symbolGroups, effectiveFrom: effectiveFrom, now: now)
        guard problems.isEmpty else { throw PlanError.invalid(problems) }
        let json = try CanonicalJSON.text(body)
        let rows = try await tx.query("""
            UPDATE commission_plan_versions SET body = \(json)::jsonb, effective_from = \(effectiveFrom)
            WHERE id = \(id) RETURNING \(unescaped: versionColumns)
            """).collect()
        guard let row = rows.first else { throw PlanError.versionNotFound }
        let saved = try decode(row)
        try await AuditLog.append(AuditEntry(actor: actor, action: "partners.plan.draft_edited", subject: "commission_plan_version:\(id.uuidString.lowercased())",
                                             before: try audit(before), after: try audit(saved), requestID: requestID), in: tx)
        return saved
    }

    /// Publishes a draft: validated again (its effective date may have passed since it was saved),
    /// then frozen. Two published versions of a plan never share an effective date. `now` is the
    /// moment the dates are checked against (the demo seed publishes history); `published_at` is
    /// always the real time.
    public static func publish(version id: UUID, symbolGroups: Set<String>, actor: String, requestID: String = "", now: Date = Date(),
                               in tx: TenantTransaction) async throws -> PlanVersionRecord {
        guard let draft = try await version(id: id, lock: true, in: tx) else { throw PlanError.versionNotFound }
        guard draft.status == .draft else { throw PlanError.published }
        let problems = draft.body.problems(symbolGroups: symbolGroups, effectiveFrom: draft.effectiveFrom, now: now)
        guard problems.isEmpty else { throw PlanError.invalid(problems) }
        let clash = try await tx.query("""
            SELECT version FROM commission_plan_versions WHERE plan_id = \(draft.planID) AND status = 'published' AND effective_from = \(draft.effectiveFrom)
            """).collect()
        if let v = try clash.first?.decode(Int.self) {
            throw PlanError.invalid([PlanProblem(field: "effective_from", reason: "version \(v) is already published with this date")])
        }
        let rows = try await tx.query("""
            UPDATE commission_plan_versions SET status = 'published', published_at = now(), published_by = \(Self.userID(actor))
            WHERE id = \(id) RETURNING \(unescaped: versionColumns)
            """).collect()
        guard let row = rows.first else { throw PlanError.versionNotFound }
        let published = try decode(row)
        try await AuditLog.append(AuditEntry(actor: actor, action: "partners.plan.published", subject: "commission_plan_version:\(id.uuidString.lowercased())",
                                             after: try audit(published), requestID: requestID), in: tx)
        return published
    }

    /// Every plan, by name.
    public static func plans(in tx: TenantTransaction) async throws -> [PlanRecord] {
        var out: [PlanRecord] = []
        let rows = try await tx.query("""
            SELECT p.id, p.name, p.created_at, count(v.id)::int, max(v.version) FILTER (WHERE v.status = 'published')
            FROM commission_plans p LEFT JOIN commission_plan_versions v ON v.plan_id = p.id
            GROUP BY p.id ORDER BY lower(p.name)
            """)
        for try await (id, name, created, count, latest) in rows.decode((UUID, String, Date, Int, Int?).self) {
            out.append(PlanRecord(id: id, name: name, createdAt: created, versions: count, latestPublished: latest))
        }
        return out
    }

    /// One plan, or nil.
    public static func plan(id: UUID, in tx: TenantTransaction) async throws -> PlanRecord? {
        try await plans(in: tx).first { $0.id == id }
    }

    /// The versions of `plan`, newest first.
    public static func versions(plan: UUID, in tx: TenantTransaction) async throws -> [PlanVersionRecord] {
        try await tx.query("SELECT \(unescaped: versionColumns) FROM commission_plan_versions WHERE plan_id = \(plan) ORDER BY version DESC")
            .collect().map(decode)
    }

    /// One version, or nil; `lock` holds it until the transaction ends.
    public static func version(id: UUID, lock: Bool = false, in tx: TenantTransaction) async throws -> PlanVersionRecord? {
        let rows = lock
            ? try await tx.query("SELECT \(unescaped: versionColumns) FROM commission_plan_versions WHERE id = \(id) FOR UPDATE").collect()
            : try await tx.query("SELECT \(unescaped: versionColumns) FROM commission_plan_versions WHERE id = \(id)").collect()
        return try rows.first.map(decode)
    }

    static func decode(_ row: PostgresRow) throws -> PlanVersionRecord {
        let (id, plan, version, body, effective, status, created, published) = try row.decode((UUID, UUID, Int, String, Date, String, Date, Date?).self)
        return PlanVersionRecord(id: id, planID: plan, version: version, body: try CanonicalJSON.decode(CommissionPlan.self, from: body),
                                 effectiveFrom: effective, status: PlanVersionRecord.Status(rawValue: status) ?? .draft,
                                 createdAt: created, publishedAt: published)
    }

    static func audit(_ v: PlanVersionRecord) throws -> String {
        try CanonicalJSON.object(["plan": v.planID.uuidString.lowercased(), "version": v.version, "status": v.status.rawValue,
                                  "effective_from": v.effectiveFrom.formatted(.iso8601), "body": v.body])
    }

    /// The user id inside a `staff:<uuid>` actor, for the `created_by` columns; nil for `cli`/`demo`.
    static func userID(_ actor: String) -> UUID? {
        actor.split(separator: ":", maxSplits: 1).last.flatMap { UUID(uuidString: String($0)) }
    }
}
