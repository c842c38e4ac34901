import AtriumCore
import AtriumStorage
import Foundation
import Logging

/// A decrypted document, for a reviewer.
public struct OpenedDocument: Sendable {
    public let format: String
    public let fileName: String
    public let bytes: [UInt8]
}

extension Onboarding {
    /// Opens one of `user`'s documents for `actor`. The view is audited; a sealed file that does
    /// not open as its row (swapped between rows, altered, wrong key) is audited as
    /// `kyc.document_unreadable`, logged, counted, and thrown as `DocumentUnreadable`.
    /// Returns `nil` when there is no such document.
    public static func openDocument(id: UUID, user: UUID, actor: String, vault: DocumentVault, requestID: String,
                                    tenant: TenantHandle, tenantDB: TenantDB, logger: Logger) async throws -> OpenedDocument? {
        let found = try await tenantDB.transaction(tenant) { tx -> (format: String, fileName: String, sealed: [UInt8])? in
            guard let found = try await sealedDocument(id: id, user: user, in: tx) else { return nil }
            try await AuditLog.append(AuditEntry(actor: actor, action: "kyc.document_viewed", subject: "document:\(id.uuidString.lowercased())",
                                                 requestID: requestID), in: tx)
            return found
        }
        guard let found else { return nil }
        do {
            let bytes = try vault.open(found.sealed, as: DocumentBinding(tenant: tenant.id, user: user, document: id))
            return OpenedDocument(format: found.format, fileName: found.fileName, bytes: bytes)
        } catch let error as DocumentUnreadable {
            CorruptValues.report(CorruptValue(kind: "sealed_document", table: "kyc_documents", id: id.uuidString.lowercased(), value: "does not open as its row"),
                                 tenant: tenant.slug, logger: logger)
            try await tenantDB.transaction(tenant) { tx in
                try await AuditLog.append(AuditEntry(actor: actor, action: "kyc.document_unreadable", subject: "document:\(id.uuidString.lowercased())",
                                                     after: try CanonicalJSON.object(["reason": "sealed file does not open as this row"]),
                                                     requestID: requestID), in: tx)
            }
            throw error
        }
    }
}
