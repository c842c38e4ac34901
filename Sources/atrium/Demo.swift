import ArgumentParser
import AtriumBrandConfig
import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumTenancy
import Foundation

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Migrate, provision every tenants/*.yaml, seed demo logins, print URLs, serve.")

    static let operatorEmail = "operator@atrium.test"
    static let operatorPassword = "operator-demo-pass"
    static let adminPassword = "admin-demo-pass"
    static let financePassword = "finance-demo-pass"
    static let salesPassword = DemoSeed.salesPassword
    static let compliancePassword = DemoSeed.compliancePassword
    static let supportPassword = DemoSeed.supportPassword

    func run() async throws {
        // The demo is development: sandbox PSP and platform, generated key, embedded database.
        var environment = ProcessInfo.processInfo.environment
        if (environment["ATRIUM_ENV"] ?? "").isEmpty { environment["ATRIUM_ENV"] = "development" }
        let config = try AppConfig.fromEnvironment(environment)
        guard config.isDevelopment else { throw CLIError(description: "ATRIUM_ENV: atrium demo runs only in development") }
        let logger = Runtime.logger(config)
        // Setup runs on its own services: withRunningServices shuts its pool down at the end, and a
        // pool runs only once, so the server gets a fresh set below.
        let setup = try await makeServices(config: config, logger: logger)
        try await Runtime.guarded {
            try await withRunningServices(setup) { s in
                _ = try await MigrateAll.run(s) { line in if !line.contains("up to date") || line.hasPrefix("tenants") || line.hasPrefix("platform") { say(line) } }
                let files = ((try? FileManager.default.contentsOfDirectory(atPath: config.tenantsDirectory)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
                var brands: [TenantConfig] = []
                var apiKeys: [(token: String, revoked: Int)] = []
                let started = ContinuousClock.now
                for file in files {
                    let path = "\(config.tenantsDirectory)/\(file)"
                    let brand = try TenantConfig.parse(yaml: try String(contentsOfFile: path, encoding: .utf8), file: path)
                    // Like `tenant apply` without --force, the demo keeps settings changed in the Back Office.
                    let drift = try await s.provisioning.drift(brand)
                    let change = drift == nil ? try await s.provisioning.apply(brand, actor: "demo").change.rawValue : "kept its Back Office settings"
                    try await DemoSeed.setAdminPassword(slug: brand.slug.value, email: brand.admin.email, password: Self.adminPassword, services: s)
                    try await DemoSeed.upsertStaff(slug: brand.slug.value, email: "finance@\(brand.slug.value).test", role: .finance,
                                                   password: Self.financePassword, services: s)
                    // Sales holds partners.manage: the plan editor without finance data.
                    try await DemoSeed.upsertStaff(slug: brand.slug.value, email: "sales@\(brand.slug.value).test", role: .sales,
                                                   password: Self.salesPassword, services: s)
                    try await DemoSeed.upsertStaff(slug: brand.slug.value, email: "compliance@\(brand.slug.value).test", role: .compliance,
                                                   password: Self.compliancePassword, services: s)
                    try await DemoSeed.upsertStaff(slug: brand.slug.value, email: "support@\(brand.slug.value).test", role: .support,
                                                   password: Self.supportPassword, services: s)
                    let historyStarted = ContinuousClock.now
                    let history = try await DemoSeed.seedHistory(slug: brand.slug.value, services: s)
                    let historyTook = historyStarted.duration(to: .now).components
                    let ib = try await DemoSeed.seedPartners(slug: brand.slug.value, services: s)
                    say("\(path): \(change) (IB demo: \(ib.clientEmails.count) referred clients, \(ib.generatedTrades) sandbox trades; "
                        + "history: \(history.clients) clients over 90 days, \(history.deposits) deposits, \(history.withdrawals) withdrawals, "
                        + "\(history.leads) leads, \(history.created) new this run in \(historyTook.seconds * 1000 + historyTook.attoseconds / 1_000_000_000_000_000) ms)")
                    brands.append(brand)
                    apiKeys.append(try await DemoSeed.replaceDemoAPIKey(slug: brand.slug.value, services: s))
                }
                try await Operators.upsert(email: Self.operatorEmail, password: Self.operatorPassword, services: s)
                for line in try await DemoLists.loadSamplesIfNone(services: s) { say(line) }
                let took = started.duration(to: .now).components
                let tenths = took.seconds * 10 + took.attoseconds / 100_000_000_000_000_000
                say("demo data ready in \(tenths / 10).\(tenths % 10) s")
                let port = config.port
                say("\nAtrium demo is up:\n")
                for b in brands {
                    say("  \(b.name.padding(toLength: 18, withPad: " ", startingAt: 0)) http://\(b.domains[0]):\(port)/   (IB Portal /partners, Back Office /admin)")
                }
                say("  Operator console   http://\(config.consoleHost):\(port)/\n")
                say("Demo logins:")
                say("  operator console:  \(Self.operatorEmail) / \(Self.operatorPassword)")
                for b in brands { say("  \(b.slug.value) Back Office: \(b.admin.email) / \(Self.adminPassword)   Finance: finance@\(b.slug.value).test / \(Self.financePassword)") }
                for b in brands {
                    say("  \(b.slug.value) Sales (plan editor, assigned clients): sales@\(b.slug.value).test / \(Self.salesPassword)   "
                        + "Compliance: compliance@\(b.slug.value).test / \(Self.compliancePassword)   Support: support@\(b.slug.value).test / \(Self.supportPassword)")
                    say("  \(b.slug.value) Partner Portal: ib@\(b.slug.value).test / \(DemoSeed.ibPassword)   sub-IBs ib-sub1@ / ib-sub2@\(b.slug.value).test (same password)")
                }
                say("  referred clients: client1…client4@<slug>.test / \(DemoSeed.clientPassword)")
                say("  history clients: demo-001…demo-\(String(DemoSeed.historyClients + 1000).suffix(3))@<slug>.test / \(DemoSeed.clientPassword)")
                say("  traders: register at any brand's /register\n")
                say("Read-only API keys (\(APIScope.readOnly.map(\.rawValue).joined(separator: ",")); new each run, the previous demo key revoked; docs/API.md):")
                for (b, key) in zip(brands, apiKeys) {
                    say("  \(b.slug.value): \(key.token)   curl -H 'Authorization: Bearer \(key.token)' http://\(b.domains[0]):\(port)/api/v1/clients"
                        + (key.revoked > 0 ? "   (revoked \(key.revoked) earlier demo key)" : ""))
                }
                say("")
                if brands.contains(where: { $0.securitySettings.requiresStaffTwoFactor }) {
                    say("Back Office staff enrol an authenticator app (TOTP) at their first sign-in (security.staff_two_factor: required).\n")
                }
            }
        }
        try await ServerRunner.serve(try await makeServices(config: config, logger: logger))
    }
}
