@testable import AtriumCore
@testable import AtriumWork
import Foundation
import Testing

/// Defect 11: mail goes out over STARTTLS with a verified certificate, and credentials only after TLS.
@Suite(.timeLimit(.minutes(3))) struct SMTPStartTLSTests {
    let mail = OutgoingMail(
        id: UUID(uuidString: "8E1C9A4D-0000-4000-8000-000000000002")!, tenantSlug: "acme",
        from: "Acme Support <support@acme.test>", to: "bob@example.test", subject: "Welcome", body: "Hello Bob"
    )
    let authority: TestCertificateAuthority
    let caFile: String

    init() throws {
        authority = try TestCertificateAuthority()
        caFile = try authority.writeCAFile()
    }

    /// `smtp://user:pass@localhost:port` trusting the test CA, as `ATRIUM_SMTP_URL` would configure it.
    func delivery(port: Int, credentials: String = "mailer:s3cret%2Fpass@", caFile: String? = nil) throws -> SMTPDelivery {
        SMTPDelivery(settings: try SMTPSettings.parse(url: "smtp://\(credentials)localhost:\(port)", caFile: caFile ?? self.caFile), heloName: "atrium.test")
    }

    @Test func upgradesWithSTARTTLSThenAuthenticatesWithPlainAndDelivers() async throws {
        // setup
        let server = try await FakeSMTPServer.start(.init(tls: try authority.serverContext()))
        // MUT
        try await delivery(port: server.port).deliver(mail)
        // validate
        let transcript = try await server.finish()
        #expect(transcript.commands.prefix(2) == [.init(line: "EHLO atrium.test", encrypted: false), .init(line: "STARTTLS", encrypted: false)])
        #expect(transcript.commands.dropFirst(2).allSatisfy { $0.encrypted }, "everything after STARTTLS is encrypted: \(transcript.commands)")
        let auth = try #require(transcript.commands.first { $0.line.hasPrefix("AUTH PLAIN ") })
        let payload = try #require(Data(base64Encoded: String(auth.line.dropFirst("AUTH PLAIN ".count))))
        #expect(String(decoding: payload, as: UTF8.self) == "\0mailer\0s3cret/pass")
        #expect(transcript.lines.dropFirst(2) == [
            "EHLO atrium.test", auth.line, "MAIL FROM:<support@acme.test>", "RCPT TO:<bob@example.test>", "DATA", "QUIT",
        ])
        #expect(transcript.data.contains("Subject: Welcome"))
        #expect(transcript.data.last == "Hello Bob")
    }

    @Test func usesAuthLoginWhenPlainIsNotOffered() async throws {
        let server = try await FakeSMTPServer.start(.init(tls: try authority.serverContext(), auth: "LOGIN"))
        try await delivery(port: server.port).deliver(mail)
        let transcript = try await server.finish()
        let login = try #require(transcript.lines.firstIndex(of: "AUTH LOGIN"))
        #expect(transcript.commands[login].encrypted)
        #expect(Array(transcript.lines[(login + 1)...(login + 2)]) == [Data("mailer".utf8).base64EncodedString(), Data("s3cret/pass".utf8).base64EncodedString()])
        #expect(transcript.commands[(login + 1)...(login + 2)].allSatisfy { $0.encrypted })
        #expect(transcript.lines.contains("RCPT TO:<bob@example.test>"))
    }

    @Test func smtpsSpeaksTLSFromTheFirstByte() async throws {
        let server = try await FakeSMTPServer.start(.init(implicitTLS: try authority.serverContext()))
        let settings = try SMTPSettings.parse(url: "smtps://mailer:pw@localhost:\(server.port)", caFile: caFile)
        try await SMTPDelivery(settings: settings, heloName: "atrium.test").deliver(mail)
        let transcript = try await server.finish()
        #expect(transcript.commands.allSatisfy { $0.encrypted })
        #expect(transcript.lines.first == "EHLO atrium.test")
        #expect(!transcript.lines.contains("STARTTLS"))
        #expect(transcript.lines.contains("AUTH PLAIN " + Data("\0mailer\0pw".utf8).base64EncodedString()))
        #expect(transcript.lines.contains("RCPT TO:<bob@example.test>"))
    }

    @Test func refusesAServerWithoutSTARTTLSAndSendsNoCredentialsOrMail() async throws {
        // The server offers AUTH in plain text: a downgrade an attacker on the path could produce.
        let server = try await FakeSMTPServer.start(.init(tls: nil, auth: "PLAIN LOGIN"))
        let error = await #expect(throws: SMTPError.self) { try await delivery(port: server.port).deliver(mail) }
        #expect(error == .startTLSUnavailable(host: "localhost"))
        #expect(error?.description.contains("does not offer STARTTLS") == true)
        let transcript = try await server.finish()
        #expect(transcript.lines == ["EHLO atrium.test", "QUIT"])
        #expect(transcript.data.isEmpty)
    }

    @Test func refusesACertificateFromAnUntrustedAuthorityBeforeAnyCredential() async throws {
        // The server's certificate is signed by a CA the client was not told to trust.
        let stranger = try TestCertificateAuthority(name: "Someone Else's CA")
        let server = try await FakeSMTPServer.start(.init(tls: try stranger.serverContext()))
        let error = await #expect(throws: SMTPError.self) { try await delivery(port: server.port).deliver(mail) }
        guard case .tlsFailed(let reason)? = error else {
            Issue.record("expected tlsFailed, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("CERTIFICATE_VERIFY_FAILED"), "reason: \(reason)")
        server.abandon()
    }

    @Test func dropsTheConnectionWhenPlainTextIsInjectedAfterTheSTARTTLSAnswer() async throws {
        let server = try await FakeSMTPServer.start(.init(tls: try authority.serverContext(), injectAfterStartTLS: "250-fake.test\r\n250 AUTH PLAIN\r\n"))
        let error = await #expect(throws: SMTPError.self) { try await delivery(port: server.port).deliver(mail) }
        #expect(error == .startTLSInjection)
        server.abandon()
    }

    @Test func aRejectedPasswordIsReportedWithoutThePayload() async throws {
        let server = try await FakeSMTPServer.start(.init(replies: ["AUTH": "535 5.7.8 bad credentials"], tls: try authority.serverContext()))
        let error = await #expect(throws: SMTPError.self) { try await delivery(port: server.port).deliver(mail) }
        #expect(error == .unexpectedReply(command: "AUTH PLAIN", code: 535, text: "5.7.8 bad credentials"))
        #expect(error?.description.contains("s3cret") == false)
        let transcript = try await server.finish()
        #expect(!transcript.lines.contains { $0.hasPrefix("MAIL FROM") })
    }
}
