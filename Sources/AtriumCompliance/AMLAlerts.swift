import AtriumStorage
import Foundation
import PostgresNIO

/// Alerts (`aml_alerts`) and their grouping into the client's open case (`aml_cases`).
public enum AMLAlerts {
    /// The actor named in the audit log for what the engine does.
    public static let engineActor = "system:aml"

    /// Opens an alert for a finding unless its fingerprint exists; files it in the client's open
    /// (or escalated) case, opening one if there is none. Returns the new alert's id, or nil for a repeat.
    public static func open(rule: String, client: UUID, finding: AMLFinding, in tx: TenantTransaction) async throws -> UUID? {
        let facts = try factsJSON(finding.facts)
        let fingerprint = "\(rule):\(client.uuidString.lowercased()):\(finding.key)"
        guard let alert = try await tx.query("""
            INSERT INTO aml_alerts (rule, client_id, facts, fingerprint) VALUES (\(rule), \(client), \(facts)::jsonb, \(fingerprint))
            ON CONFLICT (fingerprint) DO NOTHING RETURNING id
            """).collect().first?.decode(UUID.self) else { return nil }
        let caseID: UUID
        if let existing = try await tx.query("""
            SELECT id FROM aml_cases WHERE client_id = \(client) AND status IN ('open', 'escalated') FOR UPDATE
            """).collect().first?.decode(UUID.self) {
            caseID = existing
        } else {
            caseID = try await tx.query("INSERT INTO aml_cases (client_id) VALUES (\(client)) RETURNING id").collect().first?.decode(UUID.self) ?? UUID()
            try await AuditLog.append(AuditEntry(actor: engineActor, action: "aml.case_opened", subject: caseID.uuidString.lowercased(),
                                                 after: try factsJSON(["client_id": .text(client.uuidString.lowercased())])), in: tx)
        }
        _ = try await tx.query("UPDATE aml_alerts SET case_id = \(caseID) WHERE id = \(alert)").collect()
        try await AuditLog.append(AuditEntry(actor: engineActor, action: "aml.alert_opened", subject: client.uuidString.lowercased(),
                                             after: try factsJSON(["rule": .text(rule), "alert_id": .text(alert.uuidString.lowercased()),
                                                                   "case_id": .text(caseID.uuidString.lowercased())])), in: tx)
        return alert
    }

    /// Facts as canonical JSON (sorted keys), the form stored and audited.
    public static func factsJSON(_ facts: [String: AMLFact]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(facts), as: UTF8.self)
    }
}
