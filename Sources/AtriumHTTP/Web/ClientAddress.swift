import AtriumCore
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import Foundation
import Hummingbird
import HTTPTypes
import Logging

extension HTTPField.Name {
    /// HTTP/1 servers move `Host` into `:authority`; an explicit field (tests, some proxies) is honoured first.
    static let hostHeader = HTTPField.Name("Host")!
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let cfIPCountry = HTTPField.Name("CF-IPCountry")!
    static let xClientCountry = HTTPField.Name("X-Client-Country")!
}

/// Who the client is, for throttling and audit.
public enum ClientAddress {
    /// The nearest untrusted hop: only a trusted proxy may tell us who its client was.
    public static func resolve(peer: String?, forwardedFor: String?, trusted: Set<String>) -> String {
        guard let peer else { return "unknown" }
        guard trusted.contains(peer), let header = forwardedFor else { return peer }
        let hops = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return hops.last ?? peer
    }

    /// The client's country from a trusted edge proxy's geolocation header (`CF-IPCountry` or
    /// `X-Client-Country`); nil when the peer is not trusted or the value is not a country code.
    public static func country(peer: String?, header: String?, trusted: Set<String>) -> String? {
        guard let peer, trusted.contains(peer), let value = header?.trimmingCharacters(in: .whitespaces).uppercased(),
              value.range(of: "^[A-Z]{2}$", options: .regularExpression) != nil, value != "XX" else { return nil }
        return value
    }
}
