import AsyncHTTPClient
import AtriumCore
import AtriumPartners
import AtriumTenancy
import AtriumTrading
import Foundation
import NIOCore

/// What the IB demo of one brand holds after seeding.
public struct PartnerDemo: Sendable, Equatable {
    public let ibEmail: String
    public let subIBEmails: [String]
    public let clientEmails: [String]
    /// Closed trades the sandbox was asked to make for the clients' accounts in this run.
    public let generatedTrades: Int
}

extension DemoSeed {
    public static let ibPassword = "ib-demo-pass"
    public static let clientPassword = "trader-demo-pass"

    /// Per brand: the published "Demo hybrid" plan, an IB `ib@<slug>.test` with two sub-IBs, and
    /// four verified clients attributed to them, each with a live account on the sandbox platform
    /// on which the sandbox closes `trades` back-dated trades, so the sync and the commission job
    /// have deals within minutes of start. Running it again finds everything it made (logins keep
    /// their demo passwords) and only asks for more trades.
    public static func seedPartners(slug: String, trades: Int = 10, services: AppServices) async throws -> PartnerDemo {
        guard let tenant = try await services.registry.tenant(slug: slug), let brand = tenant.config else { throw ProvisioningError.notFound(slug) }
        let ibHash = try await services.authenticator.hasher.hash(ibPassword)
        let clientHash = try await services.authenticator.hasher.hash(clientPassword)
        let currency = brand.partnerProgram.resolvedCurrency
        let groups = brand.symbolGroupNames
        let subs = ["ib-sub1@\(slug).test", "ib-sub2@\(slug).test"]
        let clientPlan: [(email: String, name: String, ib: Int)] = [
            ("client1@\(slug).test", "Ana Demo", 0), ("client2@\(slug).test", "Bruno Demo", 1),
            ("client3@\(slug).test", "Chen Demo", 1), ("client4@\(slug).test", "Dana Demo", 2),
        ]
        let clients: [TradingClient] = try await services.tenantDB.transaction(tenant.handle) { tx in
            let plan = try await PartnerDemoSeed.ensurePublishedPlan(name: "Demo hybrid", body: PartnerDemoSeed.hybridPlan(currency: currency, symbolGroups: groups),
                                                                     symbolGroups: groups, in: tx)
            // Deals in the brand's other account currencies convert to the IB wallet at these demo rates.
            let rates = [("EUR", "USD", "1.08"), ("GBP", "USD", "1.26"), ("USD", "EUR", "0.925926"), ("GBP", "EUR", "1.166667")]
            for (base, quote, rate) in rates where quote == currency {
                try await PartnerDemoSeed.ensureFXRate(base: base, quote: quote, rate: rate, in: tx)
            }
            let top = try await PartnerDemoSeed.ensurePartner(email: "ib@\(slug).test", name: "Demo IB", passwordHash: ibHash, currency: currency,
                                                              code: "\(slug)-ib", parent: nil, plan: plan, in: tx)
            var ibs = [top]
            for (i, email) in subs.enumerated() {
                ibs.append(try await PartnerDemoSeed.ensurePartner(email: email, name: "Demo Sub-IB \(i + 1)", passwordHash: ibHash, currency: currency,
                                                                   code: "\(slug)-sub\(i + 1)", parent: top, plan: plan, in: tx))
            }
            var out: [TradingClient] = []
            for c in clientPlan {
                let id = try await PartnerDemoSeed.ensureClient(email: c.email, name: c.name, country: "GB", passwordHash: clientHash, partner: ibs[c.ib], in: tx)
                out.append(TradingClient(id: id, email: c.email, name: c.name, kycApproved: true))
            }
            return out
        }
        var generated = 0
        // Trading needs the sandbox platform; without it the demo still starts, with the IB tree and no deals.
        if let connection = brand.platforms?.first, let type = connection.accountTypes?.first, let leverage = type.leverages.first {
            for client in clients {
                do {
                    let account = try await services.trading.openAccount(tenant: tenant.handle, brand: brand, client: client, connectionID: connection.id,
                                                                         accountTypeID: type.id, live: true, leverage: leverage, idempotencyKey: "demo-ib").account
                    try await generateTrades(services.trading.directory.sandboxURL, login: account.login, count: trades)
                    generated += trades
                } catch {
                    services.logger.warning("demo IB clients: no trades", metadata: ["tenant": "\(slug)", "client": "\(client.email)", "error": "\(error)"])
                }
            }
        }
        return PartnerDemo(ibEmail: "ib@\(slug).test", subIBEmails: subs, clientEmails: clientPlan.map(\.email), generatedTrades: generated)
    }

    /// Asks the sandbox platform to close `count` trades on `login` (spread over the last ten minutes).
    static func generateTrades(_ sandboxURL: String, login: String, count: Int) async throws {
        var request = HTTPClientRequest(url: sandboxURL + "/control/generate-deals")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: try CanonicalJSON.object(["login": login, "count": count])))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        guard response.status == .ok else { throw SandboxControlRefused(status: Int(response.status.code)) }
    }
}

/// The sandbox platform's control endpoint answered with an error status.
struct SandboxControlRefused: Error, CustomStringConvertible {
    let status: Int
    var description: String { "sandbox /control/generate-deals: HTTP \(status)" }
}
