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
    /// A change made against version `base` while `current` is now the brand's latest: redo it.
    case superseded(base: Int, current: Int)
    /// Brand settings drifted: the latest version came from the Back Office and differs from the file.
    case drift(slug: String, origin: String, fields: [String])
    /// A four-eyes change that does not exist or is no longer pending.
    case changeNotFound
    /// The proposer of a four-eyes change tried to approve or reject it.
    case ownChange
    /// A four-eyes change needs a staff member as proposer.
    case staffOnly

    public var description: String {
        switch self {
        case .invalidConfig(let e): e.description
        case .slugTaken(let s): "slug: a tenant named \"\(s)\" already exists"
        case .domainTaken(let d): "domains: \"\(d)\" is already used by another tenant"
        case .notFound(let s): "tenant \"\(s)\" not found"
        case .confirmationMismatch(let s): "--confirm: type the slug \"\(s)\" to confirm deletion"
        case .migrationFailed(let m): "tenant migrations failed: \(m)"
        case .superseded(let base, let current):
            "the change was made against version \(base) but version \(current) is current; make the change again"
        case .drift(let slug, let origin, let fields):
            "\(slug): the brand was changed in the Back Office (latest version, origin \(origin)) and differs from the file in "
                + fields.joined(separator: ", ") + "; run `atrium tenant export \(slug)` to keep those changes, or apply with --force to overwrite them"
        case .changeNotFound: "change not found or already decided"
        case .ownChange: "a change must be approved or rejected by another staff member"
        case .staffOnly: "four-eyes changes are proposed by a staff member"
        }
    }
    public var status: Int {
        switch self {
        case .notFound, .changeNotFound: 404
        case .slugTaken, .domainTaken, .superseded, .drift: 409
        case .ownChange, .staffOnly: 403
        default: 422
        }
    }
    public var publicMessage: String { description }
}
