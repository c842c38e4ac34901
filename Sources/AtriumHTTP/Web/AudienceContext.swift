import Hummingbird

/// The request facts every audience context copies from the context it is built from: the
/// request id and the client address the dispatcher resolved.
struct RequestOrigin: Sendable {
    let requestID: String
    let clientIP: String
    let clientCountry: String?

    init(_ context: some AtriumContext) {
        self.requestID = context.requestID
        self.clientIP = context.clientIP
        self.clientCountry = context.clientCountry
    }
}

/// A site or audience context (brand, trader, staff, partner, console, operator) built from the
/// dispatcher's context or from another of these; its initializer throws when what it needs is missing.
protocol AudienceContext: ChildRequestContext, AtriumContext {
    /// What it copied from the context it was built from.
    var origin: RequestOrigin { get }
}

extension AudienceContext {
    var requestID: String { origin.requestID }
    var clientIP: String { origin.clientIP }
    var clientCountry: String? { origin.clientCountry }
    /// Forms are small; uploads get their own limits in their routes.
    var maxUploadSize: Int { 64 * 1024 }
}
