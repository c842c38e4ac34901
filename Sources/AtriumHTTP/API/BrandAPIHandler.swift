import AtriumBrandAPI
import AtriumBrandConfig
import AtriumIdentity
import AtriumLedger
import AtriumStorage
import Foundation
import OpenAPIRuntime
import PostgresNIO

/// The brand API's operations (the generated `APIProtocol`). Each one names its scope first and
/// works inside the brand's tenant transaction, as the portals do. The operations are split by
/// resource: `BrandAPIHandler+Clients.swift`, `+KYC`, `+Wallets`, `+Payments`, `+Trading`, `+Partners`.
struct BrandAPIHandler: APIProtocol {
    let services: AppServices

    /// Runs `body` in the caller's brand transaction.
    func transaction<T: Sendable>(_ principal: APIPrincipal, _ body: (TenantTransaction) async throws -> T) async throws -> T {
        try await services.tenantDB.transaction(principal.tenant.handle, body)
    }

    /// The brand's config; a brand whose config does not decode cannot take writes (503).
    static func brand(_ principal: APIPrincipal) throws -> TenantConfig {
        guard let config = principal.tenant.config else {
            throw APIProblem(status: .serviceUnavailable, detail: "This brand's configuration is unavailable.")
        }
        return config
    }

    /// A path id: one that is not a UUID names nothing in this brand (404).
    static func uuid(_ text: String, _ what: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else { throw APIProblem.notFound(what) }
        return id
    }

    /// A filter parameter that must be a UUID (400 naming it).
    static func uuidFilter(_ text: String?, _ name: String) throws -> UUID? {
        guard let text else { return nil }
        guard let id = UUID(uuidString: text) else { throw APIProblem.badRequest(pointer: name, "must be a UUID") }
        return id
    }

    /// The spec's `Money` from integer minor units.
    static func money(_ minor: Int64, _ currency: Currency) -> AtriumBrandAPI.Components.Schemas.Money {
        .init(amount: Money(minor: minor, currency: currency).amountText, currency: currency.code)
    }

    /// A stored currency code this build knows; anything else is a corrupt row, not the caller's fault.
    static func currency(_ code: String) throws -> Currency {
        guard let currency = Currency(code) else { throw StoredValueUnreadable(what: "currency \(code)") }
        return currency
    }

    /// A stored text value as one of the spec's enums.
    static func value<T: RawRepresentable>(_ raw: String) throws -> T where T.RawValue == String {
        guard let value = T(rawValue: raw) else { throw StoredValueUnreadable(what: "\(T.self) \(raw)") }
        return value
    }

    /// The id of a UUID in the spec's lower-case form.
    static func text(_ id: UUID) -> String { id.uuidString.lowercased() }

    /// One page of `rows` (fetched with `limit + 1`) and the cursor after its last row.
    static func page<Row>(_ rows: [Row], limit: Int, id: (Row) -> UUID) -> ([Row], String?) {
        let page = Array(rows.prefix(limit))
        return (page, rows.count > limit ? page.last.map { APICursor.encode(id($0)) } : nil)
    }
}

/// A stored value this build cannot represent in the API: logged as a 500 without details.
struct StoredValueUnreadable: Error, CustomStringConvertible {
    let what: String
    var description: String { "stored value unreadable: \(what)" }
}
