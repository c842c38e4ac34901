import AtriumIdentity
import Testing

@Suite("Password hashing")
struct PasswordHasherTests {
    @Test("Argon2id hashes are PHC strings with OWASP parameters and verify only the right password")
    func argon2() async throws {
        let hasher = PasswordHasher()
        let hash = try await hasher.hash("correct horse battery")
        #expect(hash.hasPrefix("$argon2id$v=19$m=19456,t=2,p=1$"))
        #expect(try await hasher.verify("correct horse battery", against: hash))
        #expect(try await hasher.verify("correct horse batterY", against: hash) == false)
        #expect(try await hasher.hash("correct horse battery") != hash) // fresh salt each time
        #expect(try await hasher.verify("x", against: "not-a-hash") == false)
    }
}
