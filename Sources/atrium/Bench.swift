import ArgumentParser
import AtriumBrandConfig
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
/// provisioning service; `--drop` deletes them again. `--like tenants/aurora.yaml` makes each one a
/// copy of that brand (its platform connections and PSPs) under its own slug, name and domain.
/// Tenants that already exist are kept, so a run can top up an earlier one.
struct BenchTenants: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-tenants", abstract: "Create or drop many benchmark tenants.")
    @Option var count: Int = 100
    @Option var prefix: String = "bench"
    @Flag var drop = false
    @Option(help: "A brand file each bench tenant copies (slug, name, domain and admin are its own).") var like: String?

    func run() async throws {
        try await Runtime.guarded {
            try await Runtime.run { s in
                if drop {
                    let victims = try await s.registry.all().filter { $0.handle.slug.hasPrefix(prefix) && $0.handle.slug.dropFirst(prefix.count).allSatisfy(\.isNumber) }
                    for t in victims { _ = try await s.provisioning.delete(slug: t.handle.slug, confirm: t.handle.slug, exportDirectory: s.config.home + "/exports/bench", actor: "bench") }
                    say("dropped \(victims.count) tenant(s)")
                    return
                }
                let template = try like.map { path in
                    try TenantConfig.parse(yaml: try String(contentsOfFile: path, encoding: .utf8), file: path)
                }
                let existing = Set(try await s.registry.all().map(\.handle.slug))
                let started = Date()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for i in 0..<count {
                        if i >= 4 { try await group.next() }
                        group.addTask {
                            let slug = "\(prefix)\(String(format: "%04d", i))"
                            guard !existing.contains(slug) else { return }
                            guard var config = template, let ownSlug = Slug(slug) else {
                                _ = try await s.provisioning.create(slug: slug, name: "Bench \(i)", domains: ["\(slug).bench.localhost"],
                                                                    adminEmail: "admin@\(slug).test", actor: "bench")
                                return
                            }
                            config.slug = ownSlug
                            config.name = "Bench \(i)"
                            config.domains = ["\(slug).bench.localhost"]
                            config.admin.email = "admin@\(slug).test"
                            _ = try await s.provisioning.apply(config, actor: "bench")
                        }
                    }
                    try await group.waitForAll()
                }
                say(String(format: "created %d tenant(s) in %.1fs", count, Date().timeIntervalSince(started)))
            }
        }
    }
}
