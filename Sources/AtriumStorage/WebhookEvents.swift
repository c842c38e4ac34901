import AtriumCore
import Foundation
import PostgresNIO

/// The events a brand can subscribe a webhook endpoint to.
public enum WebhookEventType: String, CaseIterable, Sendable, Codable {
    case clientRegistered = "client.registered"
    case kycDecided = "kyc.decided"
    case paymentSucceeded = "payment.succeeded"
    case paymentFailed = "payment.failed"
    case withdrawalRequested = "withdrawal.requested"
    case withdrawalPaid = "withdrawal.paid"
    case tradingAccountOpened = "trading_account.opened"
    case transferSettled = "transfer.settled"
    case commissionSettled = "commission.settled"
}

/// One value of an event's `data` object. Money is `{amount: "12.50", currency: "USD"}` (major
/// units as a string, as in the API), never a number.
public enum WebhookValue: Sendable, Encodable, Equatable {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case strings([String])
    case money(minor: Int64, currency: String)
    case null

    /// A UUID as lowercase text, the form the API uses.
    public static func id(_ id: UUID) -> WebhookValue { .string(id.uuidString.lowercased()) }

    /// Optional text: `null` when absent.
    public static func text(_ s: String?) -> WebhookValue { s.map { .string($0) } ?? .null }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .int(let i): try c.encode(i)
        case .bool(let b): try c.encode(b)
        case .strings(let a): try c.encode(a)
        case .null: try c.encodeNil()
        case .money(let minor, let currency):
            let exponent = ISO4217.exponents[currency] ?? 2
            try c.encode(["amount": DecimalAmount.format(minor, exponent: exponent), "currency": currency])
        }
    }
}

/// The outbound webhook outbox: an event is written in the transaction that made the change,
/// with one delivery per enabled endpoint subscribed to its type and a job per delivery, so a
/// rolled-back change sends nothing and a committed one cannot be lost.
public enum WebhookEvents {
    /// The job kind that delivers one `webhook_deliveries` row.
    public static let jobKind = "webhook.deliver"

    /// Records `type` with `data` in `tx`. Nothing is written when no enabled endpoint subscribes to
    /// the type (events are not kept for endpoints made later). Returns the event id, or nil.
    @discardableResult
    public static func record(_ type: WebhookEventType, _ data: [String: WebhookValue], in tx: TenantTransaction) async throws -> UUID? {
        let id = UUID()
        let created = Date()
        let payload = try CanonicalJSON.text(Envelope(id: id.uuidString.lowercased(), type: type.rawValue, created: rfc3339(created), data: data))
        // One round trip: the event exists only if some endpoint wants it, and its deliveries come with it.
        let rows = try await tx.query("""
            WITH ev AS (
                INSERT INTO webhook_events (id, type, payload, created_at)
                SELECT \(id), \(type.rawValue), \(payload)::jsonb, \(created)
                WHERE EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled AND \(type.rawValue) = ANY(events))
                RETURNING id)
            INSERT INTO webhook_deliveries (event_id, endpoint_id)
            SELECT ev.id, e.id FROM ev, webhook_endpoints e WHERE e.enabled AND \(type.rawValue) = ANY(e.events)
            RETURNING id
            """).collect()
        guard !rows.isEmpty else { return nil }
        for row in rows { enqueue(delivery: try row.decode(UUID.self), in: tx) }
        return id
    }

    /// Queues the delivery job of `delivery`, after `delaySeconds`, with `tx`'s commit.
    public static func enqueue(delivery: UUID, delaySeconds: Int = 0, in tx: TenantTransaction) {
        // The payload is a UUID: its JSON cannot fail to encode.
        tx.enqueue(JobRequest(kind: jobKind, payload: "{\"delivery_id\":\"\(delivery.uuidString.lowercased())\"}", delaySeconds: delaySeconds))
    }

    /// RFC 3339 UTC with seconds, as in the API (`2026-12-07T06:00:00Z`).
    public static func rfc3339(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: date)
    }

    struct Envelope: Encodable {
        let id: String
        let type: String
        let created: String
        let data: [String: WebhookValue]
    }
}
