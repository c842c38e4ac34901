@testable import AtriumCore
import Foundation
import Testing

/// `ATRIUM_SMTP_URL` and `ATRIUM_SMTP_CA_FILE` as AppConfig reads them: TLS by default, plain text only on loopback.
struct SMTPSettingsTests {
    /// The SMTP settings AppConfig derives from these two variables.
    func settings(_ url: String, caFile: String? = nil) throws -> SMTPSettings? {
        var env = ["ATRIUM_SMTP_URL": url]
        env["ATRIUM_SMTP_CA_FILE"] = caFile
        return try AppConfig.fromEnvironment(env).smtp
    }

    @Test func submissionURLRequiresSTARTTLSAndCarriesDecodedCredentials() throws {
        let smtp = try #require(try settings("smtp://mailer%40acme:p%40ss@mail.example.com:587"))
        #expect(smtp == SMTPSettings(host: "mail.example.com", port: 587, security: .startTLS, username: "mailer@acme", password: "p@ss"))
    }

    @Test func defaultPortsAndImplicitTLS() throws {
        #expect(try settings("smtp://mail.internal")?.port == 25)
        #expect(try settings("smtp://mail.internal")?.security == .startTLS)
        #expect(try settings("smtps://u:p@mail.internal")?.port == 465)
        #expect(try settings("smtps://u:p@mail.internal")?.security == .implicitTLS)
        #expect(try settings("smtp://[::1]:2525?tls=none")?.host == "::1")
        #expect(try settings("")?.host == nil)
    }

    @Test func plainTextOnlyToALoopbackRelayAndNeverWithCredentials() throws {
        #expect(try settings("smtp://127.0.0.1:25?tls=none")?.security == SMTPSettings.Security.none)
        #expect(try settings("smtp://localhost:25?tls=none")?.security == SMTPSettings.Security.none)
        #expect(throws: ConfigError.invalid(key: "ATRIUM_SMTP_URL", expected: "tls=none only for a relay on loopback (127.0.0.1, ::1, localhost)", got: "smtp://mail.example.com:25?tls=none")) {
            try settings("smtp://mail.example.com:25?tls=none")
        }
        #expect(throws: ConfigError.invalid(key: "ATRIUM_SMTP_URL", expected: "no credentials with tls=none (they would travel in clear)", got: "smtp://u:***@127.0.0.1:25?tls=none")) {
            try settings("smtp://u:secret@127.0.0.1:25?tls=none")
        }
    }

    @Test func rejectsMalformedURLsNamingTheVariableAndHidingThePassword() throws {
        for bad in ["mail.internal:25", "http://mail.internal", "smtp://", "smtp://host:0", "smtp://host:99999", "smtp://host/path",
                    "smtp://host?tls=maybe", "smtps://host?tls=none", "smtp://user@host"] {
            #expect(throws: ConfigError.self, "\(bad)") { try settings(bad) }
        }
        do {
            _ = try settings("smtp://user:hunter2@host:0")
            Issue.record("port 0 was accepted")
        } catch let error as ConfigError {
            #expect(error.description.contains("ATRIUM_SMTP_URL"))
            #expect(!error.description.contains("hunter2"))
        }
    }

    @Test func caFileMustBeReadable() throws {
        let missing = "/nonexistent/atrium-ca.pem"
        #expect(throws: ConfigError.invalid(key: "ATRIUM_SMTP_CA_FILE", expected: "a readable PEM file", got: missing)) {
            try settings("smtp://mail.internal:587", caFile: missing)
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-ca-\(UUID().uuidString).pem").path
        try "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(try settings("smtp://mail.internal:587", caFile: file)?.caFile == file)
    }
}
