import AtriumStorage
import Foundation
import Glibc
import Testing

/// The test run's PgBouncer ignored `kill` from `./ops/test`: it had inherited the blocked signals of
/// the Swift thread that spawned it, and PgBouncer does not reset its mask.
@Suite("Subprocess")
struct SubprocessTests {
    @Test("a child starts with no signal blocked and SIGTERM and SIGPIPE at their default action, whatever the calling thread blocks")
    func childSignals() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("subprocess-\(UUID()).txt").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        // MUT: this thread blocks SIGTERM, as the threads of a Swift server or test run do
        var block = sigset_t()
        sigemptyset(&block)
        sigaddset(&block, SIGTERM)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &block, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        let status = try Subprocess.run("/bin/grep", ["-E", "^Sig(Blk|Ign):", "/proc/self/status"], outputFile: out)
        // validate: the child's own mask and ignored set, from the kernel
        #expect(status == 0)
        var fields: [String: UInt64] = [:]
        for line in try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = UInt64(parts[1].trimmingCharacters(in: .whitespaces), radix: 16) }
        }
        #expect(fields["SigBlk"] == 0)
        let ignored = try #require(fields["SigIgn"])
        #expect(ignored & (1 << UInt64(SIGTERM - 1)) == 0)
        #expect(ignored & (1 << UInt64(SIGPIPE - 1)) == 0)
    }
}
