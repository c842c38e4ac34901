import AtriumCore
import AtriumStorage
import Foundation
import PostgresNIO

/// One delivery of an event to an endpoint, as the Back Office lists it.
public struct WebhookDelivery: Sendable, Equatable {
    public let id: UUID
    public let eventID: UUID
    public let eventType: String
    public let status: String
    public let attempts: Int
    public let lastStatusCode: Int?
    public let lastError: String?
    public let nextAttemptAt: Date
    public let replayOf: UUID?
    public let createdAt: Date
    public let deliveredAt: Date?
}

/// Deliveries of an endpoint and replays.
public enum WebhookDeliveries {
    /// The newest deliveries of `endpoint`.
    public static func list(endpoint: UUID, limit: Int = 100, in tx: TenantTransaction) async throws -> [WebhookDelivery] {
        try await tx.query("""
            SELECT d.id, d.event_id, e.type, d.status, d.attempts, d.last_status_code, d.last_error, d.next_attempt_at, d.replay_of, d.created_at, d.delivered_at
            FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
            WHERE d.endpoint_id = \(endpoint) ORDER BY d.created_at DESC, d.id LIMIT \(limit)
            """).collect().map { row in
            let (id, event, type, status, attempts, code, error, next, replay, created, delivered) =
                try row.decode((UUID, UUID, String, String, Int, Int?, String?, Date, UUID?, Date, Date?).self)
            return WebhookDelivery(id: id, eventID: event, eventType: type, status: status, attempts: attempts, lastStatusCode: code, lastError: error,
                                   nextAttemptAt: next, replayOf: replay, createdAt: created, deliveredAt: delivered)
        }
    }

    /// Sends the event of `delivery` again, as a new delivery to the same endpoint (same event id).
    @discardableResult
    public static func replay(_ delivery: UUID, actor: String, requestID: String, in tx: TenantTransaction) async throws -> UUID {
        guard let (id, endpoint, event) = try await tx.query("""
            INSERT INTO webhook_deliveries (event_id, endpoint_id, replay_of)
            SELECT event_id, endpoint_id, id FROM webhook_deliveries WHERE id = \(delivery)
            RETURNING id, endpoint_id, event_id
            """).collect().first?.decode((UUID, UUID, UUID).self) else { throw WebhookError.notFound }
        WebhookEvents.enqueue(delivery: id, in: tx)
        try await AuditLog.append(AuditEntry(actor: actor, action: "webhook.delivery_replayed", subject: "webhook_delivery:\(id.uuidString.lowercased())",
                                             after: try CanonicalJSON.object(["replay_of": delivery.uuidString.lowercased(), "event": event.uuidString.lowercased(),
                                                                              "endpoint": endpoint.uuidString.lowercased()]),
                                             requestID: requestID), in: tx)
        return id
    }

    /// The attempts of one delivery, oldest first.
    public static func attempts(_ delivery: UUID, in tx: TenantTransaction) async throws -> [(attempt: Int, at: Date, statusCode: Int?, error: String?, durationMS: Int)] {
        try await tx.query("""
            SELECT attempt, at, status_code, error, duration_ms FROM webhook_attempts WHERE delivery_id = \(delivery) ORDER BY attempt
            """).collect().map { row in
            let r = try row.decode((Int, Date, Int?, String?, Int).self)
            return (r.0, r.1, r.2, r.3, r.4)
        }
    }
}
