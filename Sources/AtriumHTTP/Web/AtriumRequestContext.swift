import AtriumCore
import AtriumIdentity
import AtriumTenancy
import Hummingbird
import Logging
import NIOCore

/// Which site a request was addressed to, decided once from the Host header.
public enum Site: Sendable {
    case brand(TenantRecord)
    case console
    case unknown
}

/// The staff member behind a Back Office request, with their permissions.
public struct StaffPrincipal: Sendable {
    public let user: SessionUser
    public let roles: [String]
    public let permissions: Set<Permission>
}

/// Request context carrying the tenant (never taken from client input), request id and principal.
public struct AtriumRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var site: Site = .unknown
    public var requestID: String
    public var staff: StaffPrincipal?
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        self.requestID = Token.random(bytes: 8)
    }

    /// The tenant of a brand-host request. Brand routes are only reachable with one set.
    public var tenant: TenantRecord? {
        if case .brand(let t) = site { return t }
        return nil
    }

    /// The client's IP: the socket peer, or the last `X-Forwarded-For` hop when the peer is a
    /// trusted proxy. Set once by the dispatcher.
    public var clientIP: String = "unknown"
    /// Country from a trusted proxy's geolocation header, when there is one.
    public var clientCountry: String?

    /// Forms are small; uploads get their own limits in their routes.
    public var maxUploadSize: Int { 64 * 1024 }
}
