import AtriumCore
import AtriumStorage
import Foundation
import PostgresNIO

/// A subscribed endpoint, as the Back Office lists it (never with its secret).
public struct WebhookEndpoint: Sendable, Equatable {
    public let id: UUID
    public let url: String
    public let description: String
    public let events: [String]
    public let enabled: Bool
    public let createdBy: String
    public let createdAt: Date
}

/// A brand's webhook endpoints: saved behind the SSRF guard, with a secret sealed by the brand's
/// credential vault, and every change audited.
public struct WebhookEndpoints: Sendable {
    let vault: CredentialVault
    let policy: WebhookAddressPolicy

    public init(vault: CredentialVault, policy: WebhookAddressPolicy) {
        self.vault = vault
        self.policy = policy
    }

    /// Validates and stores a new endpoint; returns it with its secret, shown to staff this once.
    public func create(url: String, description: String, events: [String], actor: String, requestID: String,
                       in tx: TenantTransaction) async throws -> (endpoint: WebhookEndpoint, secret: String) {
        let url = url.trimmingCharacters(in: .whitespacesAndNewlines)
        let description = description.trimmingCharacters(in: .whitespacesAndNewlines)
        guard description.count <= 200 else { throw InputError(field: "description", reason: "at most 200 characters", status: 422) }
        let known = Set(WebhookEventType.allCases.map(\.rawValue))
        let chosen = WebhookEventType.allCases.map(\.rawValue).filter(Set(events).contains)
        guard !chosen.isEmpty, events.allSatisfy(known.contains) else {
            throw InputError(field: "events", reason: "choose at least one event from the list", status: 422)
        }
        try await policy.check(url)
        let secret = WebhookSignature.newSecret()
        let sealed = try vault.seal(secret, slug: tx.tenant.slug)
        guard let row = try await tx.query("""
            INSERT INTO webhook_endpoints (url, description, events, secret_sealed, created_by)
            VALUES (\(url), \(description), \(chosen), \(sealed), \(actor)) RETURNING \(unescaped: Self.columns)
            """).collect().first else { throw WebhookError.notFound }
        let endpoint = try Self.endpoint(row)
        try await AuditLog.append(AuditEntry(actor: actor, action: "webhook.endpoint_created", subject: Self.subject(endpoint.id),
                                             after: try CanonicalJSON.object(["url": url, "description": description, "events": chosen]),
                                             requestID: requestID), in: tx)
        return (endpoint, secret)
    }

    /// Every endpoint, newest first.
    public static func list(in tx: TenantTransaction) async throws -> [WebhookEndpoint] {
        try await tx.query("SELECT \(unescaped: columns) FROM webhook_endpoints ORDER BY created_at DESC, id").collect().map(endpoint)
    }

    /// One endpoint.
    public static func one(_ id: UUID, in tx: TenantTransaction) async throws -> WebhookEndpoint? {
        try await tx.query("SELECT \(unescaped: columns) FROM webhook_endpoints WHERE id = \(id)").collect().first.map(endpoint)
    }

    /// Turns delivery to an endpoint on or off; new events skip a disabled endpoint.
    public static func setEnabled(_ id: UUID, _ enabled: Bool, actor: String, requestID: String, in tx: TenantTransaction) async throws {
        guard try await !tx.query("UPDATE webhook_endpoints SET enabled = \(enabled) WHERE id = \(id) RETURNING 1").collect().isEmpty else {
            throw WebhookError.notFound
        }
        try await AuditLog.append(AuditEntry(actor: actor, action: enabled ? "webhook.endpoint_enabled" : "webhook.endpoint_disabled",
                                             subject: subject(id), requestID: requestID), in: tx)
    }

    /// Deletes an endpoint with its deliveries and attempts (the events stay).
    public static func delete(_ id: UUID, actor: String, requestID: String, in tx: TenantTransaction) async throws {
        guard let url = try await tx.query("DELETE FROM webhook_endpoints WHERE id = \(id) RETURNING url").collect().first?.decode(String.self) else {
            throw WebhookError.notFound
        }
        try await AuditLog.append(AuditEntry(actor: actor, action: "webhook.endpoint_deleted", subject: subject(id),
                                             before: try CanonicalJSON.object(["url": url]), requestID: requestID), in: tx)
    }

    /// The endpoint's secret, for staff who asked to see it again (audited).
    public func revealSecret(_ id: UUID, actor: String, requestID: String, in tx: TenantTransaction) async throws -> String {
        guard let sealed = try await tx.query("SELECT secret_sealed FROM webhook_endpoints WHERE id = \(id)").collect().first?.decode(String.self) else {
            throw WebhookError.notFound
        }
        guard let secret = vault.open(sealed, slug: tx.tenant.slug) else { throw WebhookError.secretUnreadable }
        try await AuditLog.append(AuditEntry(actor: actor, action: "webhook.secret_viewed", subject: Self.subject(id), requestID: requestID), in: tx)
        return secret
    }

    static let columns = "id, url, description, events, enabled, created_by, created_at"

    static func endpoint(_ row: PostgresRow) throws -> WebhookEndpoint {
        let (id, url, description, events, enabled, by, at) = try row.decode((UUID, String, String, [String], Bool, String, Date).self)
        return WebhookEndpoint(id: id, url: url, description: description, events: events, enabled: enabled, createdBy: by, createdAt: at)
    }

    static func subject(_ id: UUID) -> String { "webhook_endpoint:\(id.uuidString.lowercased())" }
}

/// Why a webhook action could not be done.
public enum WebhookError: Error, UserFacingError, Equatable {
    case notFound
    case secretUnreadable

    public var status: Int { self == .notFound ? 404 : 409 }
    public var publicMessage: String { self == .notFound ? "webhooks_error_not_found" : "webhooks_error_secret" }
}
