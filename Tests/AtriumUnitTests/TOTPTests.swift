import AtriumIdentity
import Foundation
import Testing

@Suite("TOTP and HOTP one-time passwords")
struct TOTPTests {
    static let sha1Seed = Array("12345678901234567890".utf8)
    static let sha256Seed = Array("12345678901234567890123456789012".utf8)
    static let sha512Seed = Array("1234567890123456789012345678901234567890123456789012345678901234".utf8)

    @Test("RFC 6238 Appendix B test vectors", arguments: [
        (59.0, "94287082", "46119246", "90693936"),
        (1111111109, "07081804", "68084774", "25091201"),
        (1111111111, "14050471", "67062674", "99943326"),
        (1234567890, "89005924", "91819424", "93441116"),
        (2000000000, "69279037", "90698825", "38618901"),
        (20000000000, "65353130", "77737706", "47863826"),
    ])
    func rfc6238(seconds: Double, sha1: String, sha256: String, sha512: String) {
        let time = Date(timeIntervalSince1970: seconds)
        #expect(TOTP.code(secret: Self.sha1Seed, time: time, digits: 8, algorithm: .sha1) == sha1)
        #expect(TOTP.code(secret: Self.sha256Seed, time: time, digits: 8, algorithm: .sha256) == sha256)
        #expect(TOTP.code(secret: Self.sha512Seed, time: time, digits: 8, algorithm: .sha512) == sha512)
    }

    @Test("RFC 4226 Appendix D HOTP values for counters 0 to 9 (a 1 s period makes the time the counter)")
    func rfc4226() {
        let expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]
        for (counter, code) in expected.enumerated() {
            let time = Date(timeIntervalSince1970: Double(counter))
            #expect(TOTP.code(secret: Self.sha1Seed, time: time, period: 1) == code)
        }
    }

    @Test("codes are zero-padded and constant within a 30 s step")
    func steps() throws {
        let start = Date(timeIntervalSince1970: 1111111110)
        let code = try #require(TOTP.code(secret: Self.sha1Seed, time: start))
        #expect(code.count == 6)
        #expect(TOTP.code(secret: Self.sha1Seed, time: start.addingTimeInterval(29.9)) == code)
        #expect(TOTP.code(secret: Self.sha1Seed, time: Date(timeIntervalSince1970: 1111111109), digits: 8) == "07081804")
    }

    @Test("verify accepts the current and adjacent steps and returns the matched step")
    func verifyWindow() throws {
        let now = Date(timeIntervalSince1970: 1111111111)
        let step = 1111111111 / 30
        let secret = Self.sha1Seed
        let current = try #require(TOTP.code(secret: secret, time: now))
        let previous = try #require(TOTP.code(secret: secret, time: now.addingTimeInterval(-30)))
        let next = try #require(TOTP.code(secret: secret, time: now.addingTimeInterval(30)))
        #expect(TOTP.verify(current, secret: secret, time: now) == step)
        #expect(TOTP.verify(previous, secret: secret, time: now) == step - 1)
        #expect(TOTP.verify(next, secret: secret, time: now) == step + 1)
        #expect(TOTP.verify(previous, secret: secret, time: now, window: 0) == nil)
        #expect(TOTP.verify(try #require(TOTP.code(secret: secret, time: now.addingTimeInterval(-60))), secret: secret, time: now) == nil)
        #expect(TOTP.verify(try #require(TOTP.code(secret: secret, time: now.addingTimeInterval(60))), secret: secret, time: now) == nil)
        #expect(TOTP.verify(current, secret: Array("another secret value".utf8), time: now) == nil)
        #expect(TOTP.verify("14050471", secret: secret, time: now, digits: 8) == step)
    }

    @Test("verify rejects malformed codes", arguments: ["12345", "abcdef", "1234567", "", " 12345", "12 456", "١٢٣٤٥٦"])
    func verifyRejects(code: String) {
        let now = Date(timeIntervalSince1970: 1111111111)
        #expect(TOTP.verify(code, secret: Self.sha1Seed, time: now) == nil)
    }

    @Test("random secrets have the requested length, are UTF-8 text HummingbirdOTP can key with, and differ")
    func randomSecrets() throws {
        let first = TOTP.randomSecret()
        #expect(first.count == 27)
        #expect(TOTP.randomSecret(bytes: 32).count == 32)
        #expect(first != TOTP.randomSecret())
        #expect(first.allSatisfy { $0 >= 0x2D && $0 < 0x7F })
        let now = Date(timeIntervalSince1970: 1111111111)
        #expect(TOTP.verify(try #require(TOTP.code(secret: first, time: now)), secret: first, time: now) == 1111111111 / 30)
    }

    @Test("a secret that is not UTF-8 text gives no code and verifies nothing")
    func nonTextSecret() {
        let legacy: [UInt8] = [0xFF, 0xFE, 0x00, 0x80] + Array(1...16)
        let now = Date(timeIntervalSince1970: 1111111111)
        #expect(TOTP.code(secret: legacy, time: now) == nil)
        #expect(TOTP.verify("123456", secret: legacy, time: now) == nil)
    }

    @Test("the otpauth URI percent-encodes the issuer and account")
    func otpauthURI() {
        let uri = TOTP.otpauthURI(secret: Array(1...20), issuer: "Aurora Markets", account: "zoë@example.test")
        #expect(uri == "otpauth://totp/Aurora%20Markets:zo%C3%AB@example.test?secret=AEBAGBAFAYDQQCIKBMGA2DQPCAIREEYU"
            + "&issuer=Aurora%20Markets&algorithm=SHA1&digits=6&period=30")
        let other = TOTP.otpauthURI(secret: [0xFF], issuer: "A&B:C", account: "x+y z", digits: 8, period: 60, algorithm: .sha256)
        #expect(other == "otpauth://totp/A%26B%3AC:x%2By%20z?secret=74&issuer=A%26B%3AC&algorithm=SHA256&digits=8&period=60")
    }
}

@Suite("Base32 (RFC 4648)")
struct Base32Tests {
    @Test("RFC 4648 section 10 vectors, without padding", arguments: [
        ("", ""), ("f", "MY"), ("fo", "MZXQ"), ("foo", "MZXW6"), ("foob", "MZXW6YQ"), ("fooba", "MZXW6YTB"),
        ("foobar", "MZXW6YTBOI"),
    ])
    func vectors(plain: String, encoded: String) {
        #expect(Base32.encode(Array(plain.utf8)) == encoded)
        #expect(Base32.decode(encoded) == Array(plain.utf8))
    }

    @Test("every length round-trips")
    func roundTrip() {
        for length in 0...41 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(Base32.decode(Base32.encode(bytes)) == bytes)
        }
    }

    @Test("decoding ignores case, spaces and padding")
    func lenient() {
        #expect(Base32.decode("mzxw6ytboi") == Array("foobar".utf8))
        #expect(Base32.decode("MZXW 6YTB OI") == Array("foobar".utf8))
        #expect(Base32.decode("MZXW6YQ=") == Array("foob".utf8))
        #expect(Base32.decode("my======") == Array("f".utf8))
    }

    @Test("decoding rejects invalid characters and impossible lengths", arguments: ["1", "!", "MZXW6YT8", "MZ-XW", "M", "MZX"])
    func rejects(text: String) {
        #expect(Base32.decode(text) == nil)
    }
}
