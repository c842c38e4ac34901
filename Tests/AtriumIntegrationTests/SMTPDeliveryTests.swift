@testable import AtriumWork
import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// A one-connection SMTP server on 127.0.0.1 that answers from a script and records what it heard.
private struct FakeSMTPServer {
    /// What the client sent: command lines, and the DATA lines exactly as they arrived (still dot-stuffed).
    struct Transcript: Sendable {
        var commands: [String] = []
        var data: [String] = []
    }

    let port: Int
    private let listener: any Channel
    private let session: Task<Transcript, any Error>

    /// `replies` overrides the default answer per verb (`"GREETING"`, `"EHLO"`, `"RCPT"`, `"."` for end of data…);
    /// an empty string means "stay silent". Multi-line replies are separated by `\r\n`.
    static func start(replies: [String: String] = [:]) async throws -> FakeSMTPServer {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPLineDecoder()))
                    return try NIOAsyncChannel<String, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let port = try #require(server.channel.localAddress?.port)
        let session = Task {
            try await server.executeThenClose { connections in
                var accepted = connections.makeAsyncIterator()
                guard let connection = try await accepted.next() else { return Transcript() }
                return try await serve(connection, replies: replies)
            }
        }
        return FakeSMTPServer(port: port, listener: server.channel, session: session)
    }

    private static func serve(_ connection: NIOAsyncChannel<String, ByteBuffer>, replies: [String: String]) async throws -> Transcript {
        try await connection.executeThenClose { inbound, outbound in
            var transcript = Transcript()
            var inData = false
            func reply(_ verb: String, default text: String) async throws {
                let text = replies[verb] ?? text
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
                transcript.commands.append(line)
                let verb = String(line.prefix(while: { $0 != " " && $0 != ":" })).uppercased()
                switch verb {
                case "EHLO": try await reply(verb, default: "250-fake.test\r\n250-PIPELINING\r\n250 SIZE 1000000")
                case "DATA":
                    inData = (replies[verb] ?? "354").hasPrefix("354")
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

    /// Stops listening and returns what the (finished) client sent.
    /// Stops listening and cancels the session without waiting for it.
    func abandon() {
        listener.close(promise: nil)
        session.cancel()
    }

    func finish() async throws -> Transcript {
        try? await listener.close()
        return try await session.value
    }
}

@Suite(.timeLimit(.minutes(3))) struct SMTPDeliveryTests {
    let mail = OutgoingMail(
        id: UUID(uuidString: "8E1C9A4D-0000-4000-8000-000000000001")!, tenantSlug: "acme",
        from: "Acme Support <support@acme.test>", to: "Bob Jones <bob@example.test>",
        subject: "Your invitation", body: "Hello Bob,\n.hidden line\n..two dots\n.\nBye"
    )

    @Test func deliversOneMessageWithTheExactCommandsAndADotStuffedBody() async throws {
        let server = try await FakeSMTPServer.start()
        try await SMTPDelivery(url: "smtp://127.0.0.1:\(server.port)", heloName: "atrium.test").deliver(mail)
        let transcript = try await server.finish()

        #expect(transcript.commands == [
            "EHLO atrium.test", "MAIL FROM:<support@acme.test>", "RCPT TO:<bob@example.test>", "DATA", "QUIT",
        ])
        #expect(transcript.data.contains("From: Acme Support <support@acme.test>"))
        #expect(transcript.data.contains("To: Bob Jones <bob@example.test>"))
        #expect(transcript.data.contains("Subject: Your invitation"))
        #expect(transcript.data.contains("Message-ID: <8e1c9a4d-0000-4000-8000-000000000001@acme.atrium>"))
        let blank = try #require(transcript.data.firstIndex(of: ""))
        #expect(Array(transcript.data[(blank + 1)...]) == ["Hello Bob,", "..hidden line", "...two dots", "..", "Bye"])
    }

    @Test func rejectedRecipientThrowsUnexpectedReply() async throws {
        let server = try await FakeSMTPServer.start(replies: ["RCPT": "550 5.1.1 no such user"])
        let error = await #expect(throws: SMTPError.self) {
            try await SMTPDelivery(url: "smtp://127.0.0.1:\(server.port)").deliver(mail)
        }
        #expect(error == .unexpectedReply(command: "RCPT TO:<bob@example.test>", code: 550, text: "5.1.1 no such user"))
        let transcript = try await server.finish()
        #expect(transcript.commands == ["EHLO atrium.local", "MAIL FROM:<support@acme.test>", "RCPT TO:<bob@example.test>", "QUIT"])
        #expect(transcript.data.isEmpty)
    }

    @Test func fallsBackToHeloWhenEhloIsRejected() async throws {
        let server = try await FakeSMTPServer.start(replies: ["EHLO": "502 5.5.2 command not recognized", "HELO": "250 fake.test"])
        try await SMTPDelivery(url: "smtp://127.0.0.1:\(server.port)").deliver(mail)
        let transcript = try await server.finish()
        #expect(transcript.commands.prefix(3) == ["EHLO atrium.local", "HELO atrium.local", "MAIL FROM:<support@acme.test>"])
    }

    @Test func silentServerTimesOut() async throws {
        let server = try await FakeSMTPServer.start(replies: ["GREETING": ""])
        let started = ContinuousClock.now
        let delivery = try SMTPDelivery(url: "smtp://127.0.0.1:\(server.port)", timeout: .milliseconds(300))
        let mail = self.mail
        // Raced against a deadline in an unstructured task, so a regression fails this test
        // instead of hanging the whole run.
        let outcome = await Self.firstOf(deadline: .seconds(10)) {
            do {
                try await delivery.deliver(mail)
                return "delivered"
            } catch {
                return (error as? SMTPError) == .timeout ? "timeout" : "\(error)"
            }
        }
        #expect(outcome == "timeout")
        #expect(ContinuousClock.now - started < .seconds(5))
        // The silent server's connection may be torn down before it was fully accepted; its
        // transcript is not needed here, so stop it without waiting for the session.
        server.abandon()
    }

    /// The result of `body`, or "deadline exceeded" if it takes longer than `deadline`.
    static func firstOf(deadline: Duration, _ body: @escaping @Sendable () async -> String) async -> String {
        let box = ContinuationBox()
        return await withCheckedContinuation { continuation in
            box.set(continuation)
            Task { box.finish(await body()) }
            Task {
                try? await Task.sleep(for: deadline)
                box.finish("deadline exceeded")
            }
        }
    }

    /// Resumes a continuation once, from whichever side finishes first.
    final class ContinuationBox: Sendable {
        private let slot = Mutex<CheckedContinuation<String, Never>?>(nil)
        func set(_ c: CheckedContinuation<String, Never>) { slot.withLock { $0 = c } }
        func finish(_ value: String) { slot.withLock { $0.take() }?.resume(returning: value) }
    }

    @Test func parsesTheURLAndRejectsBadOnes() throws {
        let plain = try SMTPDelivery(url: "smtp://mail.internal")
        #expect(plain.host == "mail.internal" && plain.port == 25)
        let custom = try SMTPDelivery(url: "smtp://[::1]:2525")
        #expect(custom.host == "::1" && custom.port == 2525)
        for bad in ["", "mail.internal:25", "http://mail.internal", "smtp://", "smtp://host:0", "smtp://host:99999", "smtp://host/path"] {
            #expect(throws: SMTPError.invalidURL(bad)) { try SMTPDelivery(url: bad) }
        }
        #expect(SMTPError.invalidURL("x").description.contains("ATRIUM_SMTP_URL"))
    }

    @Test func extractsBareAddressesAndRefusesInjection() throws {
        #expect(try SMTPDelivery.bareAddress("Bob Jones <bob@example.test>") == "bob@example.test")
        #expect(try SMTPDelivery.bareAddress("  bob@example.test ") == "bob@example.test")
        #expect(throws: SMTPError.self) { try SMTPDelivery.bareAddress("bob@example.test>\r\nRCPT TO:<eve@evil.test") }
    }
}
