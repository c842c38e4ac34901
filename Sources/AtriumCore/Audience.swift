/// Who a session or account belongs to. Sessions are bound to exactly one audience.
public enum Audience: String, Sendable, Codable, CaseIterable {
    case trader
    case ib
    case staff
    case `operator`

    /// Name of the session cookie; distinct per audience so portals never share a session.
    public var cookieName: String { "atrium_\(rawValue)" }
}
