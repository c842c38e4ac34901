import AtriumWebhooks
import Foundation
import Testing

/// The webhook signature against HMACs computed outside Swift, from the exact bytes: python3's
/// `hmac` module and `openssl dgst`.
@Suite("Webhook signature (Stripe scheme) against independent vectors")
struct WebhookSignatureTests {
    /// Runs `tool` with `arguments`, feeding `input` on stdin; returns trimmed stdout.
    static func run(_ tool: String, _ arguments: [String], input: [UInt8]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [tool] + arguments
        let stdin = Pipe(), stdout = Pipe()
        p.standardInput = stdin
        p.standardOutput = stdout
        try p.run()
        stdin.fileHandleForWriting.write(Data(input))
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static let secret = "whsec_0123456789abcdef"
    static let timestamp: Int64 = 1_765_000_000
    /// Non-ASCII and a newline inside, so the bytes, not a re-encoding, are what is signed.
    static let body = Array(#"{"data":{"amount":{"amount":"12.50","currency":"EUR"},"name":"José Ñúñez"},"id":"e1","type":"payment.succeeded"}"#.utf8) + [0x0a]

    @Test("v1 equals python3 hmac.new(secret, b'<t>.' + body, sha256).hexdigest()")
    func python() throws {
        let script = "import hmac,hashlib,sys; print(hmac.new(sys.argv[1].encode(), sys.argv[2].encode() + b'.' + sys.stdin.buffer.read(), hashlib.sha256).hexdigest())"
        let expected = try Self.run("python3", ["-c", script, Self.secret, String(Self.timestamp)], input: Self.body)
        #expect(expected.count == 64)
        #expect(WebhookSignature.v1(secret: Self.secret, timestamp: Self.timestamp, body: Self.body) == expected)
        #expect(WebhookSignature.value(secret: Self.secret, timestamp: Self.timestamp, body: Self.body) == "t=\(Self.timestamp),v1=\(expected)")
    }

    @Test("v1 equals openssl dgst -sha256 -hmac over the same bytes; another timestamp or secret differs")
    func openssl() throws {
        let signed = Array("\(Self.timestamp).".utf8) + Self.body
        let out = try Self.run("openssl", ["dgst", "-sha256", "-hmac", Self.secret], input: signed)
        let expected = String(out.split(separator: " ").last ?? "")
        #expect(expected.count == 64)
        #expect(WebhookSignature.v1(secret: Self.secret, timestamp: Self.timestamp, body: Self.body) == expected)
        #expect(WebhookSignature.v1(secret: Self.secret, timestamp: Self.timestamp + 1, body: Self.body) != expected)
        #expect(WebhookSignature.v1(secret: Self.secret + "x", timestamp: Self.timestamp, body: Self.body) != expected)
    }

    @Test("a new secret is whsec_ and 64 hex digits, different each time")
    func secrets() {
        let a = WebhookSignature.newSecret(), b = WebhookSignature.newSecret()
        #expect(a.hasPrefix("whsec_"))
        #expect(a.count == 70)
        #expect(a.dropFirst(6).filter { !$0.isHexDigit }.isEmpty)
        #expect(a != b)
    }
}
