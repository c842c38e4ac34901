import Foundation

/// How Atrium reaches its mail server, read from `ATRIUM_SMTP_URL` and `ATRIUM_SMTP_CA_FILE`.
///
/// - `smtp://user:pass@host:587`: STARTTLS is required (the default), then AUTH.
/// - `smtps://user:pass@host:465`: TLS from the first byte (implicit TLS), then AUTH.
/// - `smtp://127.0.0.1:25?tls=none`: plain SMTP, only to a relay on loopback and never with credentials.
public struct SMTPSettings: Sendable, Equatable {
    /// How the connection is protected.
    public enum Security: String, Sendable {
        /// Plain connection upgraded with STARTTLS; a server that does not offer it is refused.
        case startTLS = "starttls"
        /// TLS from the first byte (`smtps://`).
        case implicitTLS = "tls"
        /// No TLS at all (loopback relays only).
        case none
    }

    /// Server host name or IP address (brackets of an IPv6 literal removed).
    public var host: String
    /// Server TCP port: 25 for `smtp://`, 465 for `smtps://` unless the URL names one.
    public var port: Int
    /// How the connection is protected.
    public var security: Security
    /// AUTH user name and password, sent only once the connection is encrypted.
    public var username: String?
    public var password: String?
    /// PEM file of the certificate authorities trusted for the server (default: the system's).
    public var caFile: String?

    /// Settings with explicit values (tests and callers that do not start from a URL).
    public init(host: String, port: Int, security: Security = .startTLS, username: String? = nil, password: String? = nil, caFile: String? = nil) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.caFile = caFile
    }

    /// Parses `url`; a ``ConfigError`` names `ATRIUM_SMTP_URL` (with the password hidden) or `ATRIUM_SMTP_CA_FILE`.
    public static func parse(url: String, caFile: String? = nil) throws -> SMTPSettings {
        let shown = redacted(url)
        func invalid(_ expected: String) -> ConfigError {
            ConfigError.invalid(key: "ATRIUM_SMTP_URL", expected: expected, got: shown)
        }
        let shape = "smtp://[user:password@]host[:port][?tls=starttls|none] or smtps://[user:password@]host[:port]"
        guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased(), scheme == "smtp" || scheme == "smtps",
              let rawHost = parts.host, !rawHost.isEmpty, parts.path.isEmpty || parts.path == "/", parts.fragment == nil
        else { throw invalid(shape) }
        let port = parts.port ?? (scheme == "smtps" ? 465 : 25)
        guard (1...65535).contains(port) else { throw invalid("a port in 1...65535") }
        var security: Security = scheme == "smtps" ? .implicitTLS : .startTLS
        for item in parts.queryItems ?? [] {
            guard item.name == "tls", scheme == "smtp", let value = item.value, let chosen = Security(rawValue: value), chosen != .implicitTLS else {
                throw invalid(shape)
            }
            security = chosen
        }
        let host = rawHost.hasPrefix("[") && rawHost.hasSuffix("]") ? String(rawHost.dropFirst().dropLast()) : rawHost
        let username = parts.user.flatMap { $0.isEmpty ? nil : $0 }, password = parts.password.flatMap { $0.isEmpty ? nil : $0 }
        guard (username == nil) == (password == nil) else { throw invalid("both a user name and a password, or neither") }
        if security == .none {
            // Without TLS anyone on the path reads the mail; only a relay on this machine is acceptable.
            guard isLoopback(host) else { throw invalid("tls=none only for a relay on loopback (127.0.0.1, ::1, localhost)") }
            guard username == nil else { throw invalid("no credentials with tls=none (they would travel in clear)") }
        }
        let ca = caFile.flatMap { $0.isEmpty ? nil : $0 }
        if let ca {
            guard security != .none else { throw ConfigError.invalid(key: "ATRIUM_SMTP_CA_FILE", expected: "unset when tls=none", got: ca) }
            guard FileManager.default.isReadableFile(atPath: ca) else {
                throw ConfigError.invalid(key: "ATRIUM_SMTP_CA_FILE", expected: "a readable PEM file", got: ca)
            }
        }
        return SMTPSettings(host: host, port: port, security: security, username: username, password: password, caFile: ca)
    }

    /// Whether `host` names this machine (the only place a plain-text relay may be).
    public static func isLoopback(_ host: String) -> Bool {
        let lower = host.lowercased()
        if lower == "localhost" || lower == "::1" { return true }
        let octets = lower.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets.first == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// `url` with its password replaced, so error messages and logs never carry it.
    static func redacted(_ url: String) -> String {
        guard var parts = URLComponents(string: url) else { return url.contains("@") ? "(hidden)" : url }
        guard parts.password != nil else { return url }
        parts.password = "***"
        return parts.string ?? "(unparseable)"
    }
}
