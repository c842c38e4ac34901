import ArgumentParser
import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import Foundation

/// `atrium api-key create --tenant SLUG --scopes a,b --name N`: makes a brand API key and prints
/// its token once (for scripts and ops; staff make keys in the Back Office).
struct APIKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "api-key", abstract: "Brand API keys.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a brand API key and print its token once.")
        @Option(help: "The brand's slug.") var tenant: String
        @Option(help: "Comma-separated scopes: \(APIScope.allCases.map(\.rawValue).joined(separator: ", ")).") var scopes: String
        @Option(help: "A name that says what the key is for.") var name: String

        func run() async throws {
            try await Runtime.guarded {
                let list: [APIScope]
                do { list = try APIScope.parseList(scopes) } catch { throw CLIError(description: "--scopes: \(error)") }
                try await Runtime.run { s in
                    guard let record = try await s.registry.tenant(slug: tenant) else { throw CLIError(description: "--tenant: no brand \"\(tenant)\"") }
                    let made = try await s.tenantDB.transaction(record.handle) { tx in
                        let made = try await APIKeys.create(name: name, scopes: list, createdBy: "cli", in: tx)
                        try await AuditLog.append(AuditEntry(actor: "cli", action: "api_key.created", subject: "api_key:\(made.key.id.uuidString.lowercased())",
                                                             after: try CanonicalJSON.object(["name": name, "scopes": list.map(\.rawValue)])), in: tx)
                        return made
                    }
                    say("API key \(made.key.prefix)… for \(tenant) (\(list.map(\.rawValue).joined(separator: ","))), shown once:")
                    print(made.token)
                }
            }
        }
    }
}

/// `atrium operator-key create --scopes tenants:read,tenants:write --name N`: an operator key for the
/// provisioning API, printed once.
struct OperatorKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "operator-key", abstract: "Operator API keys (provisioning API).", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make an operator API key and print its token once.")
        @Option(help: "Comma-separated scopes: \(OperatorScope.allCases.map(\.rawValue).joined(separator: ", ")).") var scopes: String
        @Option(help: "A name that says what the key is for.") var name: String

        func run() async throws {
            try await Runtime.guarded {
                let list: [OperatorScope]
                do { list = try OperatorScope.parseList(scopes) } catch { throw CLIError(description: "--scopes: \(error)") }
                try await Runtime.run { s in
                    let made = try await OperatorAPIKeys.create(name: name, scopes: list, createdBy: "cli", database: s.database)
                    let entry = AuditEntry(actor: "cli", action: "operator_key.created", subject: "operator_key:\(made.key.id.uuidString.lowercased())",
                                           after: try CanonicalJSON.object(["name": name, "scopes": list.map(\.rawValue)]))
                    _ = try await s.database.platform { conn in try await AuditLog.appendPlatform(entry, on: conn, logger: s.logger) }
                    say("operator key \(made.key.prefix)… (\(list.map(\.rawValue).joined(separator: ","))), shown once:")
                    print(made.token)
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List operator keys: id, shown prefix, scopes, last use, revoked.")

        func run() async throws {
            try await Runtime.guarded {
                try await Runtime.run { s in
                    let formatter = ISO8601DateFormatter()
                    for key in try await OperatorAPIKeys.list(database: s.database) {
                        let used = key.lastUsedAt.map(formatter.string(from:)) ?? "never"
                        let state = key.revokedAt.map { "revoked \(formatter.string(from: $0))" } ?? "live"
                        print("\(key.id.uuidString.lowercased())  \(key.prefix)…  \(key.scopes.map(\.rawValue).joined(separator: ","))  \(key.name)  used \(used)  \(state)")
                    }
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an operator key at once (audited); it answers 401 from then on.")
        @Argument(help: "The key's id or its shown prefix (atp_ and 8 characters).") var key: String

        func run() async throws {
            try await Runtime.guarded {
                try await Runtime.run { s in
                    let revoked: OperatorAPIKey?
                    do { revoked = try await OperatorAPIKeys.revoke(key, database: s.database) } catch let error as OperatorKeyError { throw CLIError(description: "KEY: \(error)") }
                    guard let revoked else { throw CLIError(description: "KEY: no live operator key \"\(key)\"") }
                    let entry = AuditEntry(actor: "cli", action: "operator_key.revoked", subject: "operator_key:\(revoked.id.uuidString.lowercased())",
                                           after: try CanonicalJSON.object(["name": revoked.name]))
                    _ = try await s.database.platform { conn in try await AuditLog.appendPlatform(entry, on: conn, logger: s.logger) }
                    say("operator key \(revoked.prefix)… (\(revoked.name)) revoked")
                }
            }
        }
    }
}
