import AtriumCore
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

/// What every Atrium request context knows, whichever site and audience it serves: what pages,
/// forms and logs need. The audience contexts (brand, trader, staff, partner, console, operator)
/// copy it from the dispatcher's context when they are built.
protocol AtriumContext: RequestContext {
    /// The site the request was addressed to.
    var site: Site { get }
    /// The id shown on error pages and written to the logs and audit rows.
    var requestID: String { get }
    /// The client's IP (see `AtriumRequestContext.clientIP`).
    var clientIP: String { get }
    /// Country from a trusted proxy's geolocation header, when there is one.
    var clientCountry: String? { get }
}

extension AtriumContext {
    /// The brand's slug on a brand host (templates are looked up per brand), nil elsewhere.
    var brandSlug: String? {
        if case .brand(let tenant) = site { return tenant.handle.slug }
        return nil
    }
}

/// The dispatcher's request context: the site resolved from the Host header (never from client
/// input), the request id and the client address. Routers work on the audience contexts built from it.
public struct AtriumRequestContext: RequestContext, RemoteAddressRequestContext, AtriumContext {
    public var coreContext: CoreRequestContextStorage
    public var site: Site = .unknown
    public var requestID: String
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        self.requestID = Token.random(bytes: 8)
    }

    /// The tenant of a brand-host request (error pages use it; brand routes get `BrandRequestContext`).
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
