import AsyncHTTPClient
import AtriumCore
import AtriumStorage
import AtriumWork
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import PostgresNIO

/// The `webhook.deliver` job: POSTs one delivery's event, signed, and records the attempt. A
/// failure schedules the next try (`WebhookRetry`); the row lock (`FOR UPDATE SKIP LOCKED`) keeps
/// a delivery from being sent twice at once.
public struct WebhookSender: JobHandler {
    public let kinds = [WebhookEvents.jobKind]
    let tenantDB: TenantDB
    let vault: CredentialVault
    let policy: WebhookAddressPolicy
    let timeout: TimeAmount
    let tenantLookup: @Sendable (UUID) async throws -> TenantHandle?
    let logger: Logger

    public init(tenantDB: TenantDB, vault: CredentialVault, policy: WebhookAddressPolicy, timeout: TimeAmount = .seconds(10),
                logger: Logger, tenantLookup: @escaping @Sendable (UUID) async throws -> TenantHandle?) {
        self.tenantDB = tenantDB
        self.vault = vault
        self.policy = policy
        self.timeout = timeout
        self.logger = logger
        self.tenantLookup = tenantLookup
    }

    /// No redirects: a 3xx pointing at an internal address must not get around the guard.
    static let client = HTTPClient(eventLoopGroupProvider: .singleton,
                                   configuration: HTTPClient.Configuration(redirectConfiguration: .disallow, decompression: .disabled))

    struct Payload: Decodable {
        let deliveryID: UUID
        enum CodingKeys: String, CodingKey { case deliveryID = "delivery_id" }
    }

    public func perform(_ job: Job) async throws {
        guard let tenantID = job.tenantID, let tenant = try await tenantLookup(tenantID) else { throw JobTenantUnavailable(job.tenantID) }
        let payload = try job.payload(Payload.self)
        try await deliver(payload.deliveryID, tenant: tenant)
    }

    /// Makes one attempt at `delivery` if it is pending and due; returns whether one was made.
    @discardableResult
    public func deliver(_ delivery: UUID, tenant: TenantHandle) async throws -> Bool {
        try await tenantDB.transaction(tenant) { tx in
            guard let row = try await tx.query("""
                SELECT d.attempts, d.created_at, d.next_attempt_at <= now() + interval '1 second', e.id, e.type, e.payload::text,
                       p.url, p.secret_sealed, p.enabled
                FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id JOIN webhook_endpoints p ON p.id = d.endpoint_id
                WHERE d.id = \(delivery) AND d.status = 'pending'
                FOR UPDATE OF d SKIP LOCKED
                """).collect().first else { return false }
            let (attempts, created, due, eventID, type, body, url, sealed, enabled) =
                try row.decode((Int, Date, Bool, UUID, String, String, String, String, Bool).self)
            // An earlier job of a delivery that has since been rescheduled: its own job will come.
            guard due else { return false }
            guard enabled else {
                try await tx.query("UPDATE webhook_deliveries SET status = 'failed', last_error = 'endpoint disabled' WHERE id = \(delivery)")
                return false
            }
            guard let secret = vault.open(sealed, slug: tenant.slug) else {
                try await tx.query("UPDATE webhook_deliveries SET status = 'failed', last_error = 'the signing secret cannot be opened' WHERE id = \(delivery)")
                return false
            }
            let started = ContinuousClock.now
            let outcome = await send(url: url, body: Array(body.utf8), secret: secret, eventID: eventID, type: type)
            let ms = Int((ContinuousClock.now - started) / .milliseconds(1))
            let attempt = attempts + 1
            try await tx.query("""
                INSERT INTO webhook_attempts (delivery_id, attempt, status_code, error, duration_ms)
                VALUES (\(delivery), \(attempt), \(outcome.code), \(outcome.error), \(ms))
                """)
            if let code = outcome.code, (200..<300).contains(code) {
                try await tx.query("""
                    UPDATE webhook_deliveries SET status = 'succeeded', attempts = \(attempt), last_status_code = \(code), last_error = NULL,
                           delivered_at = now() WHERE id = \(delivery)
                    """)
            } else if let delay = WebhookRetry.next(afterAttempt: attempt, created: created, now: Date()) {
                try await tx.query("""
                    UPDATE webhook_deliveries SET attempts = \(attempt), last_status_code = \(outcome.code), last_error = \(outcome.error),
                           next_attempt_at = now() + make_interval(secs => \(delay)) WHERE id = \(delivery)
                    """)
                WebhookEvents.enqueue(delivery: delivery, delaySeconds: delay, in: tx)
            } else {
                try await tx.query("""
                    UPDATE webhook_deliveries SET status = 'failed', attempts = \(attempt), last_status_code = \(outcome.code),
                           last_error = \(outcome.error) WHERE id = \(delivery)
                    """)
            }
            return true
        }
    }

    /// One POST; the status code, or why there was none.
    func send(url: String, body: [UInt8], secret: String, eventID: UUID, type: String) async -> (code: Int?, error: String?) {
        do {
            try await policy.check(url)
        } catch let error as InputError {
            return (nil, "refused: \(error.reason)")
        } catch {
            return (nil, "refused: \(error)")
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Atrium-Webhooks/1")
        request.headers.add(name: WebhookSignature.header, value: WebhookSignature.value(secret: secret, timestamp: Int64(Date().timeIntervalSince1970), body: body))
        request.headers.add(name: "Atrium-Event-Id", value: eventID.uuidString.lowercased())
        request.headers.add(name: "Atrium-Event-Type", value: type)
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await Self.client.execute(request, timeout: timeout)
            // The answer's body is not used; read a little so the connection can be reused.
            _ = try? await response.body.collect(upTo: 64 * 1024)
            return (Int(response.status.code), nil)
        } catch {
            logger.notice("webhook delivery failed", metadata: ["url": "\(url)", "error": "\(error)"])
            return (nil, String("\(error)".prefix(500)))
        }
    }
}
