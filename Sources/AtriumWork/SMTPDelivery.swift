import AtriumCore
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// Delivers mail to an SMTP server (``SMTPSettings``, from `ATRIUM_SMTP_URL`).
///
/// TLS is on unless the settings say `tls=none` (loopback relays only): STARTTLS is required and
/// a server that does not offer it is refused, or the connection is TLS from the start (`smtps`).
/// The certificate is verified against the system's CAs or `ATRIUM_SMTP_CA_FILE`. Credentials
/// go out with AUTH PLAIN (or LOGIN) only after TLS is up. One connection and one recipient per mail.
public struct SMTPDelivery: MailDelivery {
    /// Where and how to connect.
    public let settings: SMTPSettings
    /// The name sent in EHLO/HELO.
    public let heloName: String
    /// Upper bound for connecting plus the whole conversation.
    public let timeout: Duration

    /// A delivery with validated settings (see ``SMTPSettings/parse(url:caFile:)``).
    public init(settings: SMTPSettings, heloName: String = "atrium.local", timeout: Duration = .seconds(15)) {
        self.settings = settings
        self.heloName = heloName
        self.timeout = timeout
    }

    /// Sends `mail` through one SMTP transaction, throwing ``SMTPError`` on failure.
    public func deliver(_ mail: OutgoingMail) async throws {
        let from = try Self.bareAddress(mail.from), to = try Self.bareAddress(mail.to)
        let message = Self.dotStuffed(MailFormat.rfc5322(mail))
        let tls = try makeTLSContext()
        let tlsFailure = TLSFailureNote()
        let channel = try await connect(tls: tls, tlsFailure: tlsFailure)
        // The timer closes the socket instead of relying on task cancellation: a read that is
        // waiting for the server then ends at once, whatever state the conversation is in.
        let timedOut = ManagedAtomicFlag()
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await self.converse(channel, from: from, to: to, message: message) }
                group.addTask {
                    try await Task.sleep(for: self.timeout)
                    timedOut.set()
                    try? await channel.channel.close()
                    throw SMTPError.timeout
                }
                defer { group.cancelAll() }
                try await group.next()
            }
        } catch {
            if timedOut.isSet { throw SMTPError.timeout }
            // A failed handshake closes the channel; a write racing it reports only "closed channel".
            if let reason = tlsFailure.reason { throw SMTPError.tlsFailed(reason: reason) }
            throw Self.smtpError(error)
        }
    }

    /// The TLS client context: full certificate and host name verification, TLS 1.2 or later.
    private func makeTLSContext() throws -> NIOSSLContext? {
        guard settings.security != .none else { return nil }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.certificateVerification = .fullVerification
        if let caFile = settings.caFile { configuration.trustRoots = .file(caFile) }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw SMTPError.tlsFailed(reason: "cannot load the trusted CAs: \(error)")
        }
    }

    /// The host name checked against the certificate; an IP address is checked as an address instead.
    private var serverHostname: String? {
        var v4 = in_addr(), v6 = in6_addr()
        let isAddress = settings.host.withCString { inet_pton(AF_INET, $0, &v4) == 1 || inet_pton(AF_INET6, $0, &v6) == 1 }
        return isAddress ? nil : settings.host
    }

    private func connect(tls: NIOSSLContext?, tlsFailure: TLSFailureNote) async throws -> NIOAsyncChannel<String, SMTPClientRequest> {
        let c = timeout.components
        let implicitTLS = settings.security == .implicitTLS ? tls : nil, startTLS = settings.security == .startTLS ? tls : nil
        let hostname = serverHostname
        return try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(c.seconds) + .nanoseconds(c.attoseconds / 1_000_000_000))
            .connect(host: settings.host, port: settings.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let implicitTLS {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: implicitTLS, serverHostname: hostname))
                    }
                    try channel.pipeline.syncOperations.addHandler(SMTPClientHandler(tls: startTLS, serverHostname: hostname, tlsFailure: tlsFailure))
                    return try NIOAsyncChannel<String, SMTPClientRequest>(wrappingChannelSynchronously: channel)
                }
            }
    }

    private func converse(_ channel: NIOAsyncChannel<String, SMTPClientRequest>, from: String, to: String, message: String) async throws {
        try await channel.executeThenClose { inbound, outbound in
            var lines = inbound.makeAsyncIterator()
            /// Sends `request` (nothing for the greeting) and reads the reply; `shown` names it in errors,
            /// so that AUTH payloads never reach a log line.
            func send(_ request: SMTPClientRequest?, shown: String, expect codes: Set<Int>) async throws -> (code: Int, text: String) {
                if let request { try await outbound.write(request) }
                let reply = try await Self.readReply(&lines)
                guard codes.contains(reply.code) else {
                    if shown != "QUIT" { _ = try? await send(.command("QUIT"), shown: "QUIT", expect: [221]) }
                    throw SMTPError.unexpectedReply(command: shown, code: reply.code, text: reply.text)
                }
                return reply
            }
            func command(_ line: String, expect codes: Set<Int>) async throws -> (code: Int, text: String) {
                try await send(.command(line), shown: line, expect: codes)
            }
            func quitAndThrow(_ error: SMTPError) async throws -> Never {
                _ = try? await command("QUIT", expect: [221])
                throw error
            }

            _ = try await send(nil, shown: "greeting", expect: [220])
            var ehlo = try await command("EHLO \(heloName)", expect: Set(500..<600).union([250]))
            var encrypted = settings.security == .implicitTLS
            if settings.security == .startTLS {
                guard ehlo.code == 250, Self.extensions(ehlo.text).contains(where: { $0 == "STARTTLS" }) else {
                    try await quitAndThrow(.startTLSUnavailable(host: settings.host))
                }
                _ = try await send(.startTLS, shown: "STARTTLS", expect: [220])
                // RFC 3207: forget what the server said in plain text and ask again over TLS.
                ehlo = try await command("EHLO \(heloName)", expect: [250])
                encrypted = true
            } else if ehlo.code != 250 {
                _ = try await command("HELO \(heloName)", expect: [250])
            }
            if let username = settings.username, let password = settings.password {
                guard encrypted else { try await quitAndThrow(.credentialsWithoutTLS) }
                try await authenticate(username: username, password: password, ehlo: ehlo.text, send: send)
            }
            var mailFrom = "MAIL FROM:<\(from)>"
            if ehlo.code == 250, !message.allSatisfy(\.isASCII), Self.extensions(ehlo.text).contains("8BITMIME") {
                mailFrom += " BODY=8BITMIME"
            }
            _ = try await command(mailFrom, expect: [250])
            _ = try await command("RCPT TO:<\(to)>", expect: [250, 251])
            _ = try await command("DATA", expect: [354])
            _ = try await send(.payload(message), shown: "end of DATA", expect: [250])
            // The mail is accepted at this point; a failed QUIT must not make the caller resend it.
            _ = try? await command("QUIT", expect: [221])
        }
    }

    /// AUTH PLAIN if offered, else AUTH LOGIN (RFC 4954); errors name the mechanism, never the payload.
    private func authenticate(
        username: String, password: String, ehlo: String,
        send: (SMTPClientRequest?, String, Set<Int>) async throws -> (code: Int, text: String)
    ) async throws {
        let mechanisms = Self.extensions(ehlo).first { $0.hasPrefix("AUTH ") || $0.hasPrefix("AUTH=") }
            .map { $0.dropFirst(5).split(separator: " ").map(String.init) } ?? []
        func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
        if mechanisms.contains("PLAIN") {
            _ = try await send(.command("AUTH PLAIN " + base64("\0\(username)\0\(password)")), "AUTH PLAIN", [235])
        } else if mechanisms.contains("LOGIN") {
            _ = try await send(.command("AUTH LOGIN"), "AUTH LOGIN", [334])
            _ = try await send(.command(base64(username)), "AUTH LOGIN (user name)", [334])
            _ = try await send(.command(base64(password)), "AUTH LOGIN (password)", [235])
        } else {
            _ = try? await send(.command("QUIT"), "QUIT", [221])
            throw SMTPError.authUnavailable(offered: mechanisms.joined(separator: " "))
        }
    }

    /// The upper-cased EHLO keywords with their parameters (`STARTTLS`, `AUTH PLAIN LOGIN`…), greeting line excluded.
    static func extensions(_ ehloText: String) -> [String] {
        ehloText.uppercased().split(separator: "\n").dropFirst().map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// TLS library errors become ``SMTPError/tlsFailed(reason:)``; others pass through.
    static func smtpError(_ error: any Error) -> any Error {
        switch error {
        case is SMTPError: error
        case let tls as NIOSSLError: SMTPError.tlsFailed(reason: "\(tls)")
        case let tls as NIOSSLExtraError: SMTPError.tlsFailed(reason: "\(tls)")
        default: error
        }
    }

    /// Reads one possibly multi-line reply (`250-a`, `250-b`, `250 c`), returning the code and the joined text.
    static func readReply(_ lines: inout NIOAsyncChannelInboundStream<String>.AsyncIterator) async throws -> (code: Int, text: String) {
        var text: [Substring] = []
        while true {
            guard let line = try await lines.next() else { throw SMTPError.connectionClosed }
            let separator = line.dropFirst(3).first
            guard line.utf8.count >= 3, let code = Int(line.prefix(3)), separator == nil || separator == " " || separator == "-" else {
                throw SMTPError.unexpectedReply(command: "(reply)", code: 0, text: line)
            }
            text.append(line.dropFirst(4))
            if separator != "-" { return (code, text.joined(separator: "\n")) }
        }
    }

    /// The bare `a@b` of `a@b` or `Name <a@b>`; rejects anything that could smuggle SMTP syntax.
    static func bareAddress(_ address: String) throws -> String {
        var bare = Substring(address)
        if let open = address.lastIndex(of: "<"), let close = address.lastIndex(of: ">"), open < close {
            bare = address[address.index(after: open)..<close]
        }
        let trimmed = bare.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, !trimmed.contains(where: { $0.isNewline || $0 == "<" || $0 == ">" || $0 == " " }) else {
            throw SMTPError.invalidAddress(address)
        }
        return trimmed
    }

    /// The DATA payload: CRLF lines, a `.` doubled at the start of each line, ending in `CRLF.CRLF`.
    static func dotStuffed(_ message: String) -> String {
        var lines = message.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        return lines.map { $0.hasPrefix(".") ? "." + $0 : String($0) }.joined(separator: "\r\n") + "\r\n.\r\n"
    }
}

/// The first TLS error the pipeline reported, kept for the caller.
final class TLSFailureNote: Sendable {
    private let first = Mutex<String?>(nil)
    func record(_ reason: String) { first.withLock { if $0 == nil { $0 = reason } } }
    var reason: String? { first.withLock { $0 } }
}

/// A one-way flag shared between the timer and the caller.
final class ManagedAtomicFlag: Sendable {
    private let flag = Mutex(false)
    func set() { flag.withLock { $0 = true } }
    var isSet: Bool { flag.withLock { $0 } }
}
