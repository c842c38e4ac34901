import AtriumCore
import Foundation
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// The SSRF guard: where a webhook may be sent. Checked when an endpoint is saved and again before
/// every attempt, since DNS can change between the two.
public struct WebhookAddressPolicy: Sendable {
    /// Plain http and private, loopback and link-local addresses: development only
    /// (`ATRIUM_WEBHOOKS_ALLOW_PRIVATE`, refused in production by `ProductionChecks`).
    public let allowPrivate: Bool
    /// Whether `http://` is refused (production).
    public let requireHTTPS: Bool

    public init(allowPrivate: Bool, requireHTTPS: Bool) {
        self.allowPrivate = allowPrivate
        self.requireHTTPS = requireHTTPS
    }

    /// The policy of `config`: https in production, private addresses only when allowed in development.
    public init(config: AppConfig) {
        self.init(allowPrivate: config.isDevelopment && config.webhooksAllowPrivate, requireHTTPS: !config.isDevelopment)
    }

    /// Checks the URL's form (no DNS): absolute http(s) with a host, no credentials.
    public func checkForm(_ text: String) throws -> URL {
        let refuse = { (reason: String) in InputError(field: "url", reason: reason, status: 422) }
        guard text.count <= 2000, let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            throw refuse("enter an absolute URL such as https://example.com/hooks")
        }
        guard scheme == "https" || scheme == "http" else { throw refuse("the URL must start with https://") }
        if scheme == "http" && requireHTTPS { throw refuse("the URL must use https") }
        guard url.user == nil, url.password == nil else { throw refuse("the URL must not carry a user name or password") }
        return url
    }

    /// Checks the form and every address the host resolves to; throws a 422 naming `url`.
    public func check(_ text: String) async throws {
        let url = try checkForm(text)
        let host = (url.host ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let addresses = try await Self.resolve(host: host, port: url.port ?? (url.scheme == "https" ? 443 : 80))
        guard !addresses.isEmpty else { throw InputError(field: "url", reason: "the host \(host) does not resolve", status: 422) }
        guard !allowPrivate else { return }
        for address in addresses {
            if let range = WebhookAddressRange.classify(address) {
                throw InputError(field: "url", reason: "the host \(host) resolves to \(Self.text(address)), a \(range.rawValue) address; webhooks go to public addresses only",
                                 status: 422)
            }
        }
    }

    /// The IPv4 (4 bytes) and IPv6 (16 bytes) addresses of `host`, from the system resolver.
    static func resolve(host: String, port: Int) async throws -> [[UInt8]] {
        try await NIOThreadPool.singleton.runIfActive {
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
                throw InputError(field: "url", reason: "the host \(host) does not resolve", status: 422)
            }
            defer { freeaddrinfo(first) }
            var out: [[UInt8]] = []
            var node: UnsafeMutablePointer<addrinfo>? = first
            while let n = node {
                if let sa = n.pointee.ai_addr {
                    if n.pointee.ai_family == AF_INET {
                        sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { p in
                            out.append(withUnsafeBytes(of: p.pointee.sin_addr) { Array($0) })
                        }
                    } else if n.pointee.ai_family == AF_INET6 {
                        sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { p in
                            out.append(withUnsafeBytes(of: p.pointee.sin6_addr) { Array($0) })
                        }
                    }
                }
                node = n.pointee.ai_next
            }
            return out
        }
    }

    /// `10.0.0.1`, or `fe80:0:0:0:0:0:0:1` for IPv6.
    static func text(_ a: [UInt8]) -> String {
        if a.count == 4 { return a.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: a.count, by: 2).map { String(UInt16(a[$0]) << 8 | UInt16(a[$0 + 1]), radix: 16) }.joined(separator: ":")
    }
}

/// The address ranges a webhook is never sent to.
public enum WebhookAddressRange: String, Sendable {
    case loopback, linkLocal = "link-local", privateNetwork = "private", unspecified, multicast, reserved

    /// The refused range `address` (4 or 16 bytes) falls in, or nil for a public address.
    public static func classify(_ a: [UInt8]) -> WebhookAddressRange? {
        if a.count == 4 { return classify4(a) }
        guard a.count == 16 else { return .reserved }
        if a.allSatisfy({ $0 == 0 }) { return .unspecified }
        if a[0..<15].allSatisfy({ $0 == 0 }) && a[15] == 1 { return .loopback }
        // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::/96) carry an IPv4 address: judge that one.
        if a[0..<10].allSatisfy({ $0 == 0 }) && a[10] == 0xff && a[11] == 0xff { return classify4(Array(a[12..<16])) }
        if a[0..<12] == [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0] { return classify4(Array(a[12..<16])) }
        if a[0] == 0xfe && (a[1] & 0xc0) == 0x80 { return .linkLocal }
        if (a[0] & 0xfe) == 0xfc { return .privateNetwork }
        if a[0] == 0xff { return .multicast }
        return nil
    }

    static func classify4(_ a: [UInt8]) -> WebhookAddressRange? {
        switch (a[0], a[1]) {
        case (0, _): return .unspecified
        case (127, _): return .loopback
        case (10, _), (172, 16...31), (192, 168): return .privateNetwork
        case (100, 64...127): return .privateNetwork  // carrier-grade NAT (RFC 6598)
        case (169, 254): return .linkLocal
        case (224...239, _): return .multicast
        case (240...255, _): return .reserved
        default: return nil
        }
    }
}
