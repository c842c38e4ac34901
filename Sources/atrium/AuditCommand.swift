import ArgumentParser
import AtriumStorage

/// `atrium audit anchor|verify`: anchor tenant audit chain heads now, or verify chains against them.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Anchor and verify tenant audit chains.",
                                                    subcommands: [Anchor.self, Verify.self, VerifyExport.self])

    struct Anchor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record each tenant's audit chain head in platform.audit_anchors now.")
        @Argument(help: "Tenant slugs (default: all).") var slugs: [String] = []
        func run() async throws {
            try await Runtime.guarded {
                try await Runtime.run { s in
                    for record in try await s.registry.all() where slugs.isEmpty || slugs.contains(record.handle.slug) {
                        let anchor = try await AuditAnchors.anchor(record.handle, tenantDB: s.tenantDB)
                        say("\(record.handle.slug): anchored at seq \(anchor?.seq ?? 0)")
                    }
                }
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Verify each tenant's audit chain (links and anchor); exits 1 if any is not intact.")
        @Argument(help: "Tenant slugs (default: all).") var slugs: [String] = []
        func run() async throws {
            try await Runtime.guarded {
                try await Runtime.run { s in
                    var bad: [String] = []
                    for record in try await s.registry.all() where slugs.isEmpty || slugs.contains(record.handle.slug) {
                        let status = try await AuditAnchors.verify(record.handle, tenantDB: s.tenantDB)
                        say("\(record.handle.slug): \(status)")
                        if !status.isIntact { bad.append(record.handle.slug) }
                    }
                    if !bad.isEmpty { throw CLIError(description: "audit chain not intact: \(bad.joined(separator: ", "))") }
                }
            }
        }
    }
}
