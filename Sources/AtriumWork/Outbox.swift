import AtriumCore
import AtriumStorage
import Foundation
import Logging
import PostgresNIO

/// An email ready to leave.
public struct OutgoingMail: Sendable, Equatable {
    public var id: UUID
    public var tenantSlug: String
    public var from: String
    public var to: String
    public var subject: String
    public var body: String
}

/// Where mail goes: SMTP in production, a directory of `.eml` files by default.
public protocol MailDelivery: Sendable {
    func deliver(_ mail: OutgoingMail) async throws
}

/// The transactional email outbox of a tenant.
public enum Outbox {
    public static let jobKind = "mail.send"

    /// Stores the mail in the tenant's outbox and queues its delivery, both in `tx`.
    @discardableResult
    public static func enqueue(to: String, subject: String, body: String, in tx: TenantTransaction) async throws -> UUID {
        let rows = try await tx.query("INSERT INTO outbox (to_address, subject, body) VALUES (\(to), \(subject), \(body)) RETURNING id").collect()
        guard let id = try rows.first?.decode(UUID.self) else { throw StorageError.unknownTenant(tx.tenant.slug) }
        tx.enqueue(JobRequest(kind: jobKind, payload: try CanonicalJSON.text(MailPayload(outboxID: id))))
        return id
    }
}

/// A `mail.send` job: the outbox row to deliver.
struct MailPayload: Codable {
    let outboxID: UUID
    enum CodingKeys: String, CodingKey { case outboxID = "outbox_id" }
}

/// Delivers queued outbox mail; the row lock keeps two workers from sending the same mail.
public struct OutboxSender: JobHandler {
    public let kinds = [Outbox.jobKind]
    let tenantDB: TenantDB
    let delivery: any MailDelivery
    let tenantLookup: @Sendable (UUID) async throws -> TenantHandle?
    let fromAddress: @Sendable (TenantHandle) async -> String

    public init(tenantDB: TenantDB, delivery: any MailDelivery,
                tenantLookup: @escaping @Sendable (UUID) async throws -> TenantHandle?,
                fromAddress: @escaping @Sendable (TenantHandle) async -> String) {
        self.tenantDB = tenantDB
        self.delivery = delivery
        self.tenantLookup = tenantLookup
        self.fromAddress = fromAddress
    }

    public func perform(_ job: Job) async throws {
        guard let tenantID = job.tenantID, let tenant = try await tenantLookup(tenantID) else { throw JobTenantUnavailable(job.tenantID) }
        let payload = try job.payload(MailPayload.self)
        let from = await fromAddress(tenant)
        try await tenantDB.transaction(tenant) { tx in
            let rows = try await tx.query("""
                SELECT to_address, subject, body FROM outbox WHERE id = \(payload.outboxID) AND sent_at IS NULL FOR UPDATE SKIP LOCKED
                """).collect()
            guard let row = rows.first else { return }
            let (to, subject, body) = try row.decode((String, String, String).self)
            try await delivery.deliver(OutgoingMail(id: payload.outboxID, tenantSlug: tenant.slug, from: from, to: to, subject: subject, body: body))
            try await tx.query("UPDATE outbox SET sent_at = now(), attempts = attempts + 1 WHERE id = \(payload.outboxID)")
        }
    }
}
