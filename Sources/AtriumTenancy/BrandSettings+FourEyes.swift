import AtriumBrandConfig
import AtriumStorage
import Foundation

/// A four-eyes change waiting for (or decided by) a second staff member.
public struct PendingConfigChange: Sendable {
    public var id: UUID
    public var section: String
    public var baseVersion: Int
    public var config: TenantConfig
    public var proposedBy: UUID
    public var proposerEmail: String
    public var proposedAt: Date
    public var status: String
}

extension BrandSettings {
    /// Queues `after` as a pending change against the brand's latest version; audited.
    func propose(_ after: TenantConfig, over before: TenantConfig, slug: String, section: String, actor: String, requestID: String) async throws -> UUID {
        guard let proposer = Self.staffID(actor) else { throw ProvisioningError.staffOnly }
        let handle = try await handle(slug: slug)
        let json = try after.canonicalJSON(), beforeJSON = try before.canonicalJSON()
        let summary = try ConfigDiff.between(before, after).paths.joined(separator: ", ")
        return try await tenantDB.transaction(handle) { tx in
            let base = try await tx.query("SELECT coalesce(max(version), 0) FROM brand_config_versions").collect().first?.decode(Int.self) ?? 0
            let id = try await tx.query("""
                INSERT INTO brand_config_changes (section, base_version, config, summary, proposed_by)
                VALUES (\(section), \(base), \(json)::jsonb, \(summary), \(proposer)) RETURNING id
                """).collect().first?.decode(UUID.self) ?? UUID()
            try await AuditLog.append(AuditEntry(actor: actor, action: "brand.settings.proposed", subject: id.uuidString.lowercased(),
                                                 before: beforeJSON, after: json, requestID: requestID), in: tx)
            return id
        }
    }

    /// Changes of the brand; pending ones only unless `all`.
    public func changes(slug: String, all: Bool = false) async throws -> [PendingConfigChange] {
        let handle = try await handle(slug: slug)
        return try await tenantDB.transaction(handle) { tx in
            try await tx.query("""
                SELECT c.id, c.section, c.base_version, c.config::text, c.proposed_by, coalesce(u.email, ''), c.proposed_at, c.status
                FROM brand_config_changes c LEFT JOIN users u ON u.id = c.proposed_by
                WHERE \(all) OR c.status = 'pending' ORDER BY c.proposed_at DESC LIMIT 200
                """).collect().map { row in
                let (id, section, base, json, by, email, at, status) = try row.decode((UUID, String, Int, String, UUID, String, Date, String).self)
                return PendingConfigChange(id: id, section: section, baseVersion: base, config: try JSONDecoder().decode(TenantConfig.self, from: Data(json.utf8)),
                                           proposedBy: by, proposerEmail: email, proposedAt: at, status: status)
            }
        }
    }

    /// Applies a pending change when its base version is still the latest; otherwise marks it
    /// superseded and throws `.superseded` so the proposer redoes it. The proposer cannot approve.
    public func approve(slug: String, change id: UUID, actor: String, requestID: String = "") async throws -> Outcome {
        guard let approver = Self.staffID(actor) else { throw ProvisioningError.staffOnly }
        guard let change = try await changes(slug: slug).first(where: { $0.id == id }) else { throw ProvisioningError.changeNotFound }
        guard change.proposedBy != approver else { throw ProvisioningError.ownChange }
        let origin: ConfigOrigin = change.section.hasPrefix("rollback") ? .rollback : .backOffice
        do {
            let result = try await provisioning.apply(change.config, actor: actor, requestID: requestID, origin: origin, section: change.section,
                                                      baseVersion: change.baseVersion) { tx, version in
                try await Self.decide(id, status: "approved", by: approver, actor: actor, requestID: requestID, detail: "v\(version)", in: tx)
            }
            if let version = result.configVersion, result.change != .unchanged { return .saved(version: version) }
            // Nothing to write (the configuration already matches): the change is still decided.
            try await tenantDB.transaction(try await handle(slug: slug)) { tx in
                try await Self.decide(id, status: "approved", by: approver, actor: actor, requestID: requestID, detail: "unchanged", in: tx)
            }
            return .unchanged
        } catch let error as ProvisioningError {
            if case .superseded = error {
                try await tenantDB.transaction(try await handle(slug: slug)) { tx in
                    try await Self.decide(id, status: "superseded", by: approver, actor: actor, requestID: requestID, detail: "\(error)", in: tx)
                }
            }
            throw error
        }
    }

    /// Rejects a pending change; the proposer cannot reject their own (the table's CHECK agrees).
    public func reject(slug: String, change id: UUID, actor: String, requestID: String = "") async throws {
        guard let decider = Self.staffID(actor) else { throw ProvisioningError.staffOnly }
        guard let change = try await changes(slug: slug).first(where: { $0.id == id }) else { throw ProvisioningError.changeNotFound }
        guard change.proposedBy != decider else { throw ProvisioningError.ownChange }
        try await tenantDB.transaction(try await handle(slug: slug)) { tx in
            try await Self.decide(id, status: "rejected", by: decider, actor: actor, requestID: requestID, detail: "", in: tx)
        }
    }

    /// Marks a pending change decided and audits it; a change decided meanwhile is not found.
    static func decide(_ id: UUID, status: String, by decider: UUID, actor: String, requestID: String, detail: String,
                       in tx: TenantTransaction) async throws {
        let rows = try await tx.query("""
            UPDATE brand_config_changes SET status = \(status), decided_by = \(decider), decided_at = now()
            WHERE id = \(id) AND status = 'pending' RETURNING id
            """).collect()
        guard !rows.isEmpty else { throw ProvisioningError.changeNotFound }
        try await AuditLog.append(AuditEntry(actor: actor, action: "brand.settings.\(status)", subject: id.uuidString.lowercased(),
                                             after: try JSONEncoder().encodeString(["status": status, "detail": detail]), requestID: requestID), in: tx)
    }
}

extension JSONEncoder {
    /// Encodes `value` as UTF-8 JSON text.
    func encodeString(_ value: some Encodable) throws -> String {
        outputFormatting = [.sortedKeys]
        return String(decoding: try encode(value), as: UTF8.self)
    }
}
