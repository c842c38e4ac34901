import ArgumentParser
import AtriumCore
import AtriumHTTP
import AtriumTenancy
import Foundation

/// `atrium bench-session --tenant aurora`: a trader session for `ops/bench/request-overhead`.
/// Prints the Cookie header value, then the hex SHA-256 of the token (what pgbench looks up).
struct BenchSession: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-session", abstract: "Create a benchmark trader session (prints cookie and token digest).")
    @Option var tenant: String

    func run() async throws {
        try await Runtime.guarded {
            try await Runtime.run { s in
                let token = try await DemoSeed.benchSession(slug: tenant, services: s)
                say("atrium_trader=\(token)")
                say(Token.hex(Token.digest(token)))
            }
        }
    }
}

/// `atrium bench-tenants --count 1000 --prefix m` creates lightweight tenants through the
/// provisioning service; `--drop` deletes them again.
struct BenchTenants: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-tenants", abstract: "Create or drop many benchmark tenants.")
    @Option var count: Int = 100
    @Option var prefix: String = "bench"
    @Flag var drop = false

    func run() async throws {
        try await Runtime.guarded {
            try await Runtime.run { s in
                if drop {
                    let victims = try await s.registry.all().filter { $0.handle.slug.hasPrefix(prefix) && $0.handle.slug.dropFirst(prefix.count).allSatisfy(\.isNumber) }
                    for t in victims { _ = try await s.provisioning.delete(slug: t.handle.slug, confirm: t.handle.slug, exportDirectory: s.config.home + "/exports/bench", actor: "bench") }
                    say("dropped \(victims.count) tenant(s)")
                    return
                }
                let started = Date()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for i in 0..<count {
                        if i >= 4 { try await group.next() }
                        group.addTask {
                            let slug = "\(prefix)\(String(format: "%04d", i))"
                            _ = try await s.provisioning.create(slug: slug, name: "Bench \(i)", domains: ["\(slug).bench.localhost"],
                                                                adminEmail: "admin@\(slug).test", actor: "bench")
                        }
                    }
                    try await group.waitForAll()
                }
                say(String(format: "created %d tenant(s) in %.1fs", count, Date().timeIntervalSince(started)))
            }
        }
    }
}
