/// Why an SMTP delivery failed. No case ever carries a password or an AUTH payload.
public enum SMTPError: Error, Equatable, CustomStringConvertible {
    /// A sender or recipient that cannot be put in an SMTP command.
    case invalidAddress(String)
    /// The server answered `command` with a code other than the expected one(s).
    case unexpectedReply(command: String, code: Int, text: String)
    /// TLS is required but the server does not offer STARTTLS (or rejected EHLO, so it cannot).
    case startTLSUnavailable(host: String)
    /// The server sent more data right after its STARTTLS answer, before the TLS handshake: a
    /// man in the middle injecting plain-text replies that would be read as if they were encrypted.
    case startTLSInjection
    /// The TLS handshake or certificate verification failed (`reason` is the TLS library's).
    case tlsFailed(reason: String)
    /// Credentials are configured but the server offers neither AUTH PLAIN nor AUTH LOGIN.
    case authUnavailable(offered: String)
    /// Credentials would have travelled over an unencrypted connection; nothing was sent.
    case credentialsWithoutTLS
    /// The server closed the connection mid-conversation.
    case connectionClosed
    /// A reply line longer than the decoder accepts.
    case lineTooLong
    /// The whole conversation took longer than the configured timeout.
    case timeout

    /// A human-readable explanation.
    public var description: String {
        switch self {
        case .invalidAddress(let address): "invalid mail address \"\(address)\""
        case .unexpectedReply(let command, let code, let text): "SMTP server answered \(command) with \(code) \(text)"
        case .startTLSUnavailable(let host): "SMTP server \(host) does not offer STARTTLS; refusing to send mail unencrypted (ATRIUM_SMTP_URL)"
        case .startTLSInjection: "SMTP server sent data before the TLS handshake (STARTTLS injection); connection dropped"
        case .tlsFailed(let reason): "SMTP TLS handshake failed: \(reason)"
        case .authUnavailable(let offered): "SMTP server offers no AUTH PLAIN or LOGIN (offered: \(offered.isEmpty ? "none" : offered))"
        case .credentialsWithoutTLS: "refusing to send SMTP credentials over an unencrypted connection"
        case .connectionClosed: "SMTP server closed the connection"
        case .lineTooLong: "SMTP server sent a line that is too long"
        case .timeout: "SMTP conversation timed out"
        }
    }
}
