import AtriumBrandConfig
import AtriumCore

/// Why a provisioning request was refused. Every case leaves nothing behind.
public enum ProvisioningError: Error, Equatable, CustomStringConvertible, UserFacingError {
    case invalidConfig(ConfigValidationError)
    case slugTaken(String)
    case domainTaken(String)
    case notFound(String)
    case confirmationMismatch(expected: String)
    case migrationFailed(String)

    public var description: String {
        switch self {
        case .invalidConfig(let e): e.description
        case .slugTaken(let s): "slug: a tenant named \"\(s)\" already exists"
        case .domainTaken(let d): "domains: \"\(d)\" is already used by another tenant"
        case .notFound(let s): "tenant \"\(s)\" not found"
        case .confirmationMismatch(let s): "--confirm: type the slug \"\(s)\" to confirm deletion"
        case .migrationFailed(let m): "tenant migrations failed: \(m)"
        }
    }
    public var status: Int {
        switch self {
        case .notFound: 404
        case .slugTaken, .domainTaken: 409
        default: 422
        }
    }
    public var publicMessage: String { description }
}
