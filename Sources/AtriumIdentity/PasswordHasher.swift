import CArgon2
import Foundation
import NIOPosix

/// Argon2id password hashing (libargon2), PHC string format, OWASP parameters
/// (m = 19 MiB, t = 2, p = 1). Hashing runs on `NIOThreadPool`, never on an event loop.
public struct PasswordHasher: Sendable {
    public var memoryKiB: UInt32 = 19_456
    public var iterations: UInt32 = 2
    public var parallelism: UInt32 = 1
    let pool: NIOThreadPool

    public init(pool: NIOThreadPool = .singleton) {
        self.pool = pool
    }

    /// Minimum length accepted for new passwords.
    public static let minimumLength = 10
    public static let maximumLength = 256

    /// Hashes `password` with a fresh 16-byte salt; returns a `$argon2id$v=19$...` string.
    public func hash(_ password: String) async throws -> String {
        let (m, t, p) = (memoryKiB, iterations, parallelism)
        return try await pool.runIfActive {
            var salt = [UInt8](repeating: 0, count: 16)
            var rng = SystemRandomNumberGenerator()
            for i in salt.indices { salt[i] = UInt8.random(in: .min ... .max, using: &rng) }
            let pwd = Array(password.utf8)
            let length = argon2_encodedlen(t, m, p, UInt32(salt.count), 32, Argon2_id)
            var encoded = [CChar](repeating: 0, count: length)
            let rc = argon2id_hash_encoded(t, m, p, pwd, pwd.count, salt, salt.count, 32, &encoded, length)
            guard rc == ARGON2_OK.rawValue else { throw PasswordHashError.argon2(code: rc) }
            return String(decoding: encoded.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// Checks `password` against a stored PHC string in constant time (libargon2 compares safely).
    public func verify(_ password: String, against encoded: String) async throws -> Bool {
        guard encoded.hasPrefix("$argon2id$") else { return false }
        return try await pool.runIfActive {
            let pwd = Array(password.utf8)
            return argon2id_verify(encoded, pwd, pwd.count) == ARGON2_OK.rawValue
        }
    }

}

public enum PasswordHashError: Error, Equatable {
    case argon2(code: Int32)
}
