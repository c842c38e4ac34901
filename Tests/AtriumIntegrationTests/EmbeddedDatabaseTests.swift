import AtriumCore
import AtriumStorage
import Testing

/// The 10,000-tenant footprint run lost a batch of 50 brands: four `atrium tenant apply` processes
/// started together, and one failed with "tuple concurrently updated" in the embedded database's setup.
@Suite("Embedded database setup")
struct EmbeddedDatabaseTests {
    @Test("ensureDatabase called for one database by eight clients at once: every call succeeds")
    func concurrentSetup() async throws {
        let pg = try await TestCluster.shared.cluster()
        let name = "t_ensure_" + Token.randomPassword(length: 6).lowercased().filter { $0.isLetter || $0.isNumber }
        // MUT: eight setups of the same database at once, as parallel commands do
        let failures = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    do { try await pg.ensureDatabase(name, logger: TestCluster.logger); return nil } catch { return String(reflecting: error) }
                }
            }
            return try await group.reduce(into: [String]()) { if let failure = $1 { $0.append(failure) } }
        }
        // validate: none failed
        #expect(failures.isEmpty, "\(failures.count) of 8 failed: \(failures.first ?? "")")
        try await pg.dropDatabase(name)
    }
}
