import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// Why an SMTP delivery failed.
public enum SMTPError: Error, Equatable, CustomStringConvertible {
    /// `ATRIUM_SMTP_URL` is not of the form `smtp://host[:port]`.
    case invalidURL(String)
    /// A sender or recipient that cannot be put in an SMTP command.
    case invalidAddress(String)
    /// The server answered `command` with a code other than the expected one(s).
    case unexpectedReply(command: String, code: Int, text: String)
    /// The server closed the connection mid-conversation.
    case connectionClosed
    /// The whole conversation took longer than the configured timeout.
    case timeout

    /// A human-readable explanation.
    public var description: String {
        switch self {
        case .invalidURL(let url): "ATRIUM_SMTP_URL must look like smtp://host[:port], got \"\(url)\""
        case .invalidAddress(let address): "invalid mail address \"\(address)\""
        case .unexpectedReply(let command, let code, let text): "SMTP server answered \(command) with \(code) \(text)"
        case .connectionClosed: "SMTP server closed the connection"
        case .timeout: "SMTP conversation timed out"
        }
    }
}

/// Delivers mail to an SMTP server (`ATRIUM_SMTP_URL=smtp://host:port`).
///
/// Plain SMTP only: no STARTTLS and no AUTH. For TLS or authenticated submission,
/// point it at a local relay/MTA (Postfix, OpenSMTPD, msmtpd…) that forwards upstream.
/// One connection per mail, one recipient per mail.
public struct SMTPDelivery: MailDelivery {
    /// Server host name or IP address.
    public let host: String
    /// Server TCP port (25 unless the URL says otherwise).
    public let port: Int
    /// The name sent in EHLO/HELO.
    public let heloName: String
    /// Upper bound for connecting plus the whole conversation.
    public let timeout: Duration

    /// Parses `smtp://host[:port]`; throws ``SMTPError/invalidURL(_:)`` otherwise.
    public init(url: String, heloName: String = "atrium.local", timeout: Duration = .seconds(15)) throws {
        guard let parts = URLComponents(string: url), parts.scheme?.lowercased() == "smtp",
              let rawHost = parts.host, !rawHost.isEmpty, parts.path.isEmpty || parts.path == "/",
              parts.query == nil, parts.fragment == nil, parts.user == nil, (parts.port ?? 25) > 0, (parts.port ?? 25) < 65536
        else { throw SMTPError.invalidURL(url) }
        self.host = rawHost.hasPrefix("[") && rawHost.hasSuffix("]") ? String(rawHost.dropFirst().dropLast()) : rawHost
        self.port = parts.port ?? 25
        self.heloName = heloName
        self.timeout = timeout
    }

    /// Sends `mail` through one SMTP transaction, throwing ``SMTPError`` on failure.
    public func deliver(_ mail: OutgoingMail) async throws {
        let from = try Self.bareAddress(mail.from), to = try Self.bareAddress(mail.to)
        let message = Self.dotStuffed(MailFormat.rfc5322(mail))
        let channel = try await connect()
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
            throw error
        }
    }

    private func connect() async throws -> NIOAsyncChannel<String, ByteBuffer> {
        let c = timeout.components
        return try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(c.seconds) + .nanoseconds(c.attoseconds / 1_000_000_000))
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPLineDecoder()))
                    return try NIOAsyncChannel<String, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
    }

    private func converse(_ channel: NIOAsyncChannel<String, ByteBuffer>, from: String, to: String, message: String) async throws {
        try await channel.executeThenClose { inbound, outbound in
            var lines = inbound.makeAsyncIterator()
            func send(_ command: String, expect codes: Set<Int>, raw: String? = nil) async throws -> (code: Int, text: String) {
                if let text = raw ?? (command.isEmpty ? nil : command + "\r\n") { try await outbound.write(ByteBuffer(string: text)) }
                let reply = try await Self.readReply(&lines)
                guard codes.contains(reply.code) else {
                    if command != "QUIT" { _ = try? await send("QUIT", expect: [221]) }
                    throw SMTPError.unexpectedReply(command: command.isEmpty ? "greeting" : command, code: reply.code, text: reply.text)
                }
                return reply
            }
            _ = try await send("", expect: [220])
            let ehlo = try await send("EHLO \(heloName)", expect: Set(500..<600).union([250]))
            var mailFrom = "MAIL FROM:<\(from)>"
            if ehlo.code != 250 {
                _ = try await send("HELO \(heloName)", expect: [250])
            } else if !message.allSatisfy(\.isASCII), ehlo.text.uppercased().split(separator: "\n").contains(where: { $0.hasPrefix("8BITMIME") }) {
                mailFrom += " BODY=8BITMIME"
            }
            _ = try await send(mailFrom, expect: [250])
            _ = try await send("RCPT TO:<\(to)>", expect: [250, 251])
            _ = try await send("DATA", expect: [354])
            _ = try await send("end of DATA", expect: [250], raw: message)
            // The mail is accepted at this point; a failed QUIT must not make the caller resend it.
            _ = try? await send("QUIT", expect: [221])
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

/// Splits the inbound byte stream into lines, dropping the CRLF (a bare LF is tolerated).
struct SMTPLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = String
    /// Longest line accepted before giving up on a misbehaving peer.
    static let maxLineLength = 64 * 1024

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > Self.maxLineLength { throw SMTPError.unexpectedReply(command: "(reply)", code: 0, text: "line too long") }
            return .needMoreData
        }
        var line = buffer.readString(length: newline - buffer.readerIndex) ?? ""
        buffer.moveReaderIndex(forwardBy: 1)
        if line.hasSuffix("\r") { line.removeLast() }
        context.fireChannelRead(Self.wrapInboundOut(line))
        return .continue
    }
}

/// A one-way flag shared between the timer and the caller.
final class ManagedAtomicFlag: Sendable {
    private let flag = Mutex(false)
    func set() { flag.withLock { $0 = true } }
    var isSet: Bool { flag.withLock { $0 } }
}
