import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a program to completion with posix_spawn + waitpid. Foundation's `Process` waits for
/// termination through a run loop, which never spins on Swift concurrency's threads, and a server
/// started by `pg_ctl` inherits pipes and keeps them open; both made start-up hang.
///
/// The child starts with no signal blocked and the usual signals at their default action. A spawned
/// program otherwise inherits the calling thread's mask, and the threads of a Swift process block
/// most signals: a daemon that does not reset its mask (PgBouncer) then ignores `kill`, and the test
/// run's PgBouncer outlived `./ops/test`.
package enum Subprocess {
    /// Signals a child gets back at their default action (a parent may ignore SIGPIPE, for one).
    static let defaultSignals: [Int32] = [SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGTERM, SIGUSR1, SIGUSR2, SIGCHLD]

    /// Runs `path args`, sending stdout and stderr to `outputFile`; returns the exit status.
    package static func run(_ path: String, _ args: [String], outputFile: String) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputFile, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([path] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in defaultSignals { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        guard rc == 0 else { throw StorageError.embeddedPostgres("cannot start \(path): error \(rc)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { throw StorageError.embeddedPostgres("waitpid failed for \(path)") }
        }
        // WIFEXITED / WEXITSTATUS, spelled out because the macros are not imported.
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}
