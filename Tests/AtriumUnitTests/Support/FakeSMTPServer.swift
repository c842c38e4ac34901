import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Testing

/// A one-connection SMTP server on 127.0.0.1 that answers from a script, can switch to TLS on
/// STARTTLS, and records what it heard and whether each line arrived encrypted.
struct FakeSMTPServer {
    /// One command line and whether it came over TLS.
    struct Command: Sendable, Equatable, CustomStringConvertible {
        var line: String
        var encrypted: Bool
        var description: String { (encrypted ? "[tls] " : "[plain] ") + line }
    }

    /// What the client sent: command lines, and the DATA lines exactly as they arrived (still dot-stuffed).
    struct Transcript: Sendable {
        var commands: [Command] = []
        var data: [String] = []
        /// The command lines alone.
        var lines: [String] { commands.map(\.line) }
    }

    /// How the server behaves.
    struct Script: Sendable {
        /// Overrides the default answer per verb (`"GREETING"`, `"EHLO"`, `"RCPT"`, `"."` for end of data…);
        /// an empty string means "stay silent". Multi-line replies are separated by `\r\n`.
        var replies: [String: String] = [:]
        /// Offers STARTTLS with this context (`nil`: the server has no TLS).
        var tls: NIOSSLContext?
        /// The AUTH mechanisms offered (over TLS, or in plain text when the server has no TLS).
        var auth: String? = "PLAIN LOGIN"
        /// Sent in the same write as the `220` answer to STARTTLS, in plain text (an injection).
        var injectAfterStartTLS: String?
        /// Speaks TLS from the first byte with this context (`smtps`), instead of offering STARTTLS.
        var implicitTLS: NIOSSLContext?
    }

    let port: Int
    private let listener: any Channel
    private let session: Task<Transcript, any Error>

    /// Starts listening on an ephemeral port of 127.0.0.1.
    static func start(_ script: Script = Script()) async throws -> FakeSMTPServer {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls = script.implicitTLS { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineDecoder()))
                    return try NIOAsyncChannel<String, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let port = try #require(server.channel.localAddress?.port)
        let session = Task {
            try await server.executeThenClose { connections in
                var accepted = connections.makeAsyncIterator()
                guard let connection = try await accepted.next() else { return Transcript() }
                return try await serve(connection, script: script)
            }
        }
        return FakeSMTPServer(port: port, listener: server.channel, session: session)
    }

    // The conversation is one linear script; splitting it would scatter the protocol state.
    private static func serve(_ connection: NIOAsyncChannel<String, ByteBuffer>, script: Script) async throws -> Transcript {
        try await connection.executeThenClose { inbound, outbound in
            var transcript = Transcript()
            var inData = false, encrypted = script.implicitTLS != nil, loginStep = 0
            func reply(_ verb: String, default text: String) async throws {
                let text = script.replies[verb] ?? text
                if !text.isEmpty { try await outbound.write(ByteBuffer(string: text + "\r\n")) }
            }
            try await reply("GREETING", default: "220 fake.test ESMTP")
            for try await line in inbound {
                if inData {
                    if line == "." {
                        inData = false
                        try await reply(".", default: "250 2.0.0 queued")
                    } else {
                        transcript.data.append(line)
                    }
                    continue
                }
                transcript.commands.append(Command(line: line, encrypted: encrypted))
                if loginStep > 0 {
                    // AUTH LOGIN: the user name, then the password, each on its own line.
                    loginStep += 1
                    try await reply("AUTH", default: loginStep == 2 ? "334 UGFzc3dvcmQ6" : "235 2.7.0 authenticated")
                    if loginStep == 3 { loginStep = 0 }
                    continue
                }
                let verb = String(line.prefix(while: { $0 != " " && $0 != ":" })).uppercased()
                switch verb {
                case "EHLO":
                    var keywords = ["fake.test", "PIPELINING"]
                    if script.tls != nil, !encrypted { keywords.append("STARTTLS") }
                    if let auth = script.auth, encrypted || script.tls == nil { keywords.append("AUTH " + auth) }
                    keywords.append("SIZE 1000000")
                    let text = keywords.enumerated().map { "250" + ($0.offset == keywords.count - 1 ? " " : "-") + $0.element }
                    try await reply(verb, default: text.joined(separator: "\r\n"))
                case "STARTTLS":
                    guard let tls = script.tls, !encrypted else {
                        try await reply(verb, default: "502 5.5.1 not offered")
                        continue
                    }
                    // The answer goes out and the TLS handler goes in within one event-loop tick: the
                    // client's ClientHello can follow the 220 at once, and must never reach the line
                    // decoder as plain text (a race that hung this test under load).
                    let channel = connection.channel
                    let answer = ByteBuffer(string: "220 2.0.0 ready\r\n" + (script.injectAfterStartTLS ?? ""))
                    try await channel.eventLoop.flatSubmit { () -> EventLoopFuture<Void> in
                        let written = channel.writeAndFlush(answer)
                        do {
                            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls), position: .first)
                        } catch {
                            return channel.eventLoop.makeFailedFuture(error)
                        }
                        return written
                    }.get()
                    encrypted = true
                case "AUTH":
                    if line.uppercased().hasPrefix("AUTH LOGIN") {
                        loginStep = 1
                        try await reply(verb, default: "334 VXNlcm5hbWU6")
                    } else {
                        try await reply(verb, default: "235 2.7.0 authenticated")
                    }
                case "DATA":
                    inData = (script.replies[verb] ?? "354").hasPrefix("354")
                    try await reply(verb, default: "354 end with <CRLF>.<CRLF>")
                case "QUIT":
                    try? await reply(verb, default: "221 bye")  // the client may already be gone
                    return transcript
                default: try await reply(verb, default: "250 ok")
                }
            }
            return transcript
        }
    }

    /// Stops listening and cancels the session without waiting for it.
    func abandon() {
        listener.close(promise: nil)
        session.cancel()
    }

    /// Stops listening and returns what the (finished) client sent.
    func finish() async throws -> Transcript {
        try? await listener.close()
        return try await session.value
    }

    /// Splits the inbound byte stream into lines, dropping the CRLF.
    private struct LineDecoder: ByteToMessageDecoder {
        typealias InboundOut = String

        mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
            guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else { return .needMoreData }
            var line = buffer.readString(length: newline - buffer.readerIndex) ?? ""
            buffer.moveReaderIndex(forwardBy: 1)
            if line.hasSuffix("\r") { line.removeLast() }
            context.fireChannelRead(Self.wrapInboundOut(line))
            return .continue
        }
    }
}
