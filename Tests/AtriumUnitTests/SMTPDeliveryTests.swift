@testable import AtriumCore
@testable import AtriumWork
import Foundation
import Synchronization
import Testing

/// The SMTP conversation itself, against a plain-text relay on loopback (`tls=none`).
@Suite(.timeLimit(.minutes(3))) struct SMTPDeliveryTests {
    let mail = OutgoingMail(
        id: UUID(uuidString: "8E1C9A4D-0000-4000-8000-000000000001")!, tenantSlug: "acme",
        from: "Acme Support <support@acme.test>", to: "Bob Jones <bob@example.test>",
        subject: "Your invitation", body: "Hello Bob,\n.hidden line\n..two dots\n.\nBye"
    )

    /// A delivery to the loopback relay on `port`, without TLS.
    func relay(_ port: Int, heloName: String = "atrium.local", timeout: Duration = .seconds(15)) throws -> SMTPDelivery {
        SMTPDelivery(settings: try SMTPSettings.parse(url: "smtp://127.0.0.1:\(port)?tls=none"), heloName: heloName, timeout: timeout)
    }

    @Test func deliversOneMessageWithTheExactCommandsAndADotStuffedBody() async throws {
        let server = try await FakeSMTPServer.start()
        try await relay(server.port, heloName: "atrium.test").deliver(mail)
        let transcript = try await server.finish()

        #expect(transcript.lines == [
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
        let server = try await FakeSMTPServer.start(.init(replies: ["RCPT": "550 5.1.1 no such user"]))
        let error = await #expect(throws: SMTPError.self) {
            try await relay(server.port).deliver(mail)
        }
        #expect(error == .unexpectedReply(command: "RCPT TO:<bob@example.test>", code: 550, text: "5.1.1 no such user"))
        let transcript = try await server.finish()
        #expect(transcript.lines == ["EHLO atrium.local", "MAIL FROM:<support@acme.test>", "RCPT TO:<bob@example.test>", "QUIT"])
        #expect(transcript.data.isEmpty)
    }

    @Test func fallsBackToHeloWhenEhloIsRejected() async throws {
        let server = try await FakeSMTPServer.start(.init(replies: ["EHLO": "502 5.5.2 command not recognized", "HELO": "250 fake.test"]))
        try await relay(server.port).deliver(mail)
        let transcript = try await server.finish()
        #expect(transcript.lines.prefix(3) == ["EHLO atrium.local", "HELO atrium.local", "MAIL FROM:<support@acme.test>"])
    }

    @Test func silentServerTimesOut() async throws {
        let server = try await FakeSMTPServer.start(.init(replies: ["GREETING": ""]))
        let started = ContinuousClock.now
        let delivery = try relay(server.port, timeout: .milliseconds(300))
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

    @Test func extractsBareAddressesAndRefusesInjection() throws {
        #expect(try SMTPDelivery.bareAddress("Bob Jones <bob@example.test>") == "bob@example.test")
        #expect(try SMTPDelivery.bareAddress("  bob@example.test ") == "bob@example.test")
        #expect(throws: SMTPError.self) { try SMTPDelivery.bareAddress("bob@example.test>\r\nRCPT TO:<eve@evil.test") }
    }
}
