import ArgumentParser
import AtriumBrandConfig
import AtriumCore
import AtriumHTTP
import AtriumTenancy
import Foundation

struct TenantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenant", abstract: "Provision and manage broker brands (same service as the operator console).",
        subcommands: [Create.self, Apply.self, List.self, Suspend.self, Resume.self, Export.self, Delete.self, Invite.self])

    static let actor = "cli:\(ProcessInfo.processInfo.environment["USER"] ?? "root")"

    struct Create: AsyncParsableCommand {
        @Option(help: "Short name: lowercase letters and digits.") var slug: String
        @Option(help: "Display name.") var name: String
        @Option(help: "Hostname (repeatable).") var domain: [String] = []
        @Option(name: .customLong("admin-email"), help: "First broker admin; receives an invitation.") var adminEmail: String

        func run() async throws {
            try await Runtime.guarded {
                try await Runtime.run { s in
                    let started = Date()
                    let r = try await s.provisioning.create(slug: slug, name: name, domains: domain.isEmpty ? ["\(slug).\(s.config.platformDomain)"] : domain,
                                                            adminEmail: adminEmail, actor: TenantCommand.actor)
                    say("\(r.slug): \(r.change.rawValue) in \(Int(Date().timeIntervalSince(started) * 1000)) ms")
                    if let link = r.invitationLink { say("admin invitation: \(link)") }
                }
            }
        }
    }

    struct Apply: AsyncParsableCommand {
        @Argument(help: "Brand YAML files, e.g. tenants/aurora.yaml") var files: [String]
        @Flag(help: "Overwrite settings changed in the Back Office since the last apply (drift).") var force = false

        func run() async throws {
            try await Runtime.guarded {
                // Validate every file before touching the database, so a bad file changes nothing.
                var configs: [TenantConfig] = []
                for file in files {
                    guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw CLIError(description: "\(file): cannot read file") }
                    configs.append(try TenantConfig.parse(yaml: text, file: file))
                }
                // Production refuses brands that use a sandbox, naming the file, field and id.
                if !(try AppConfig.fromEnvironment()).isDevelopment {
                    let problems = zip(files, configs).flatMap { ProductionChecks.brand($1, file: $0) }
                    guard problems.isEmpty else {
                        throw CLIError(description: "refusing in production (ATRIUM_ENV=production):\n  " + problems.joined(separator: "\n  "))
                    }
                }
                let validated = configs
                let force = force
                try await Runtime.run { s in
                    // Back Office edits are refused before anything is written, unless --force.
                    for (file, config) in zip(files, validated) {
                        guard let drift = try await s.provisioning.drift(config) else { continue }
                        guard force else { throw CLIError(description: "\(file): \(drift.error.description)") }
                        say("\(file): overwriting Back Office changes (--force): \(drift.fields.joined(separator: ", "))")
                    }
                    for (file, config) in zip(files, validated) {
                        let r = try await s.provisioning.apply(config, actor: TenantCommand.actor)
                        say("\(file): \(r.slug) \(r.change.rawValue)")
                        if let link = r.invitationLink { say("  admin invitation: \(link)") }
                    }
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        func run() async throws {
            try await Runtime.guarded {
                try await Runtime.run { s in
                    let tenants = try await s.registry.all()
                    say("SLUG".padding(toLength: 16, withPad: " ", startingAt: 0) + "STATUS     VERSION  DOMAINS")
                    for t in tenants {
                        say(t.handle.slug.padding(toLength: 16, withPad: " ", startingAt: 0) + t.status.padding(toLength: 11, withPad: " ", startingAt: 0)
                              + String(t.schemaVersion).padding(toLength: 9, withPad: " ", startingAt: 0) + t.domains.joined(separator: ","))
                    }
                    say("\(tenants.count) tenant(s); current schema version \(s.migrations.currentTenantVersion)")
                }
            }
        }
    }

    struct Suspend: AsyncParsableCommand {
        @Argument var slug: String
        func run() async throws {
            try await Runtime.guarded {
                try await Runtime.run { s in try await s.provisioning.setStatus(slug: slug, active: false, actor: TenantCommand.actor); say("\(slug): suspended") }
            }
        }
    }

    struct Resume: AsyncParsableCommand {
        @Argument var slug: String
        func run() async throws {
            try await Runtime.guarded {
                try await Runtime.run { s in try await s.provisioning.setStatus(slug: slug, active: true, actor: TenantCommand.actor); say("\(slug): active") }
            }
        }
    }

    struct Export: AsyncParsableCommand {
        @Argument var slug: String
        @Option(help: "Write to this file instead of standard output.") var out: String?
        func run() async throws {
            try await Runtime.guarded {
                try await Runtime.run { s in
                    let yaml = try await s.provisioning.export(slug: slug)
                    if let out { try yaml.write(toFile: out, atomically: true, encoding: .utf8); say("wrote \(out)") } else { say(yaml, terminator: "") }
                }
            }
        }
    }

    struct Invite: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue a new Back Office invitation (default: the brand's admin).")
        @Argument var slug: String
        @Option(help: "Staff email; defaults to admin.email of the brand.") var email: String?
        func run() async throws {
            try await Runtime.guarded {
                try await Runtime.run { s in
                    let link = try await s.provisioning.invite(slug: slug, email: email, actor: TenantCommand.actor)
                    say("invitation: \(link)")
                }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        @Argument var slug: String
        @Option(help: "Repeat the slug to confirm.") var confirm: String?
        func run() async throws {
            try await Runtime.guarded {
                guard let confirm else { throw CLIError(description: "--confirm: deleting \(slug) drops its schema and data; pass --confirm \(slug)") }
                try await Runtime.run { s in
                    let path = try await s.provisioning.delete(slug: slug, confirm: confirm, exportDirectory: s.config.home + "/exports", actor: TenantCommand.actor)
                    say("\(slug): deleted (export written to \(path))")
                }
            }
        }
    }
}

struct OperatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "operator", abstract: "Manage platform operators.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        @Option var email: String
        @Option(help: "At least 10 characters.") var password: String
        func run() async throws {
            try await Runtime.guarded {
                try await Runtime.run { s in
                    try await Operators.upsert(email: email, password: password, services: s)
                    say("operator \(email) ready")
                }
            }
        }
    }
}
