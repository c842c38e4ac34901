import AtriumCore
import AtriumBrandConfig
import Crypto
import Foundation
import Synchronization

/// A brand's PSP entry with its secrets and endpoint resolved.
public struct ResolvedPSP: Sendable {
    public let config: TenantConfig.PSPConfig
    public let endpoint: String
    public let apiKey: String?
    public let webhookSecret: String?
    public let bankDetails: [String: String]
    public let confirmationsRequired: Int
    public let dualConfirmAboveMinor: Int64?
    /// Why this PSP cannot be used (e.g. a missing environment variable); empty when usable.
    public let problems: [String]

    public init(config: TenantConfig.PSPConfig, endpoint: String, apiKey: String?, webhookSecret: String?, bankDetails: [String: String],
                confirmationsRequired: Int, dualConfirmAboveMinor: Int64?, problems: [String]) {
        self.config = config
        self.endpoint = endpoint
        self.apiKey = apiKey
        self.webhookSecret = webhookSecret
        self.bankDetails = bankDetails
        self.confirmationsRequired = confirmationsRequired
        self.dualConfirmAboveMinor = dualConfirmAboveMinor
        self.problems = problems
    }

    public var id: String { config.id }
    public var type: String { config.type }
    public var isConfigured: Bool { problems.isEmpty }
    /// The PSP's fee on a settled amount: fixed part plus basis points, rounded down, never above the amount.
    public func fee(on amount: Int64) -> Int64 {
        let bps = Int64(config.feeBps ?? 0)
        let (product, overflow) = amount.multipliedReportingOverflow(by: bps)
        let variable = overflow ? amount / 10_000 * bps : product / 10_000
        return min(amount, (config.feeFixedMinor ?? 0) + variable)
    }

    public var usesSandbox: Bool { config.endpoint == nil ? config.type == "sandbox" : config.endpoint == "sandbox" }

    public func gateway() -> any PaymentGateway {
        switch config.type {
        case "crypto": CryptoGateway(psp: self)
        case "bank_wire": BankWireGateway(psp: self)
        default: StripeCompatibleGateway(psp: self)
        }
    }
}

public enum PSPDirectory {
    /// Resolves `env:NAME` secrets from `environment`. A PSP pointed at the built-in sandbox falls
    /// back to the sandbox's own keys when the variables are unset, and only while the sandbox is
    /// enabled (development); with the sandbox off it is not configured, so it is neither offered
    /// nor believed. Any other PSP with an unset variable is unusable.
    /// `vault` opens credentials sealed in the Back Office.
    public static func resolve(_ brand: TenantConfig, environment: [String: String], sandbox: SandboxEndpoint,
                               vault: CredentialVault? = nil) -> [ResolvedPSP] {
        let secrets = BrandSecrets(environment: environment, vault: vault)
        let slug = brand.slug.value
        return (brand.psps ?? []).map { c in
            var problems: [String] = []
            let usesSandbox = c.endpoint == nil ? c.type == "sandbox" : c.endpoint == "sandbox"
            let keys = usesSandbox ? sandbox.keys : nil
            if usesSandbox && keys == nil { problems.append("endpoint: the sandbox PSP is served only in development (ATRIUM_ENV=development)") }
            let apiKey: String?
            let webhookSecret: String?
            if c.type == "bank_wire" {
                apiKey = nil
                webhookSecret = nil
            } else if usesSandbox && keys == nil {
                apiKey = nil
                webhookSecret = nil
            } else {
                let sandboxKey = keys?.apiKey(slug: brand.slug.value, pspID: c.id)
                apiKey = secrets.resolve(c.apiKey, field: "api_key", sandboxFallback: sandboxKey, problems: &problems, slug: slug)
                webhookSecret = secrets.resolve(c.webhookSecret, field: "webhook_secret",
                                                sandboxFallback: apiKey.flatMap { key in keys?.webhookSecret(apiKey: key) }, problems: &problems, slug: slug)
                if c.apiKey == nil && !usesSandbox { problems.append("api_key: not set in the brand file") }
            }
            let endpoint: String
            if usesSandbox {
                endpoint = sandbox.base + (c.type == "crypto" ? "/crypto" : "")
            } else {
                endpoint = c.endpoint ?? (c.type == "stripe" ? "https://api.stripe.com" : "")
                if endpoint.isEmpty && c.type != "bank_wire" { problems.append("endpoint: not set in the brand file") }
            }
            return ResolvedPSP(config: c, endpoint: endpoint, apiKey: apiKey, webhookSecret: webhookSecret,
                               bankDetails: c.bankDetails ?? [:], confirmationsRequired: c.confirmations ?? 2,
                               dualConfirmAboveMinor: c.dualConfirmAboveMinor, problems: problems)
        }
    }
}

/// Health of each PSP per process: opens after repeated failures, lets one trial through after a
/// cool-down (half-open), and closes again on success.
public final class CircuitBreaker: Sendable {
    public enum State: String, Sendable { case closed, open, halfOpen = "half-open" }

    struct Entry {
        var recent: [Bool] = []          // newest last, at most `window`
        var consecutiveFailures = 0
        var openedAt: Date?
        var trialInFlight = false
    }

    let entries = Mutex<[String: Entry]>([:])
    public let failureThreshold: Int
    public let coolDown: TimeInterval
    let window = 20

    public init(failureThreshold: Int = 3, coolDown: TimeInterval = 30) {
        self.failureThreshold = failureThreshold
        self.coolDown = coolDown
    }

    static func key(_ tenant: UUID, _ psp: String) -> String { "\(tenant.uuidString)/\(psp)" }

    public func state(tenant: UUID, psp: String, now: Date = Date()) -> State {
        entries.withLock { map in
            guard let e = map[Self.key(tenant, psp)], let opened = e.openedAt else { return .closed }
            return now.timeIntervalSince(opened) >= coolDown ? .halfOpen : .open
        }
    }

    /// Whether a call may go out now; in half-open state only one trial at a time.
    public func allow(tenant: UUID, psp: String, now: Date = Date()) -> Bool {
        entries.withLock { map in
            let k = Self.key(tenant, psp)
            guard var e = map[k], let opened = e.openedAt else { return true }
            guard now.timeIntervalSince(opened) >= coolDown, !e.trialInFlight else { return false }
            e.trialInFlight = true
            map[k] = e
            return true
        }
    }

    public func record(tenant: UUID, psp: String, ok: Bool, now: Date = Date()) {
        entries.withLock { map in
            let k = Self.key(tenant, psp)
            var e = map[k] ?? Entry()
            e.recent.append(ok)
            if e.recent.count > window { e.recent.removeFirst(e.recent.count - window) }
            e.trialInFlight = false
            if ok {
                e.consecutiveFailures = 0
                e.openedAt = nil
            } else {
                e.consecutiveFailures += 1
                let failures = e.recent.filter { !$0 }.count
                if e.openedAt != nil || e.consecutiveFailures >= failureThreshold || (e.recent.count >= 6 && failures * 2 >= e.recent.count) {
                    e.openedAt = now
                }
            }
            map[k] = e
        }
    }
}

public struct RouteExclusion: Sendable, Equatable {
    public let pspID: String
    public let reason: String

    public init(pspID: String, reason: String) {
        self.pspID = pspID
        self.reason = reason
    }
}

public enum PSPRouter {
    /// PSPs that can take this deposit, best first (priority, then id), and why the others cannot.
    public static func candidates(_ psps: [ResolvedPSP], currency: String, country: String, amount: Int64,
                                  breaker: CircuitBreaker, tenant: UUID, now: Date = Date()) -> (eligible: [ResolvedPSP], excluded: [RouteExclusion]) {
        var eligible: [ResolvedPSP] = []
        var excluded: [RouteExclusion] = []
        for p in psps {
            let c = p.config
            let reason: String? =
                !p.isConfigured ? "not configured" :
                !c.currencies.contains(currency) ? "does not take \(currency)" :
                !(c.countries ?? []).isEmpty && !(c.countries ?? []).contains(country) ? "not offered in \(country.isEmpty ? "your country" : country)" :
                c.minAmountMinor.map({ amount < $0 }) == true ? "below its minimum" :
                c.maxAmountMinor.map({ amount > $0 }) == true ? "above its maximum" :
                breaker.state(tenant: tenant, psp: p.id, now: now) == .open ? "temporarily unavailable" : nil
            if let reason { excluded.append(RouteExclusion(pspID: p.id, reason: reason)) } else { eligible.append(p) }
        }
        eligible.sort { ($0.config.priority ?? 100, $0.id) < ($1.config.priority ?? 100, $1.id) }
        return (eligible, excluded)
    }
}
