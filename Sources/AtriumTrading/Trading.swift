import AtriumCore
import AtriumLedger
import AtriumStorage
import AtriumBrandConfig
import Foundation
import Logging
import PostgresNIO

/// The client a trading operation is for, as the routes know them.
public struct TradingClient: Sendable {
    public let id: UUID
    public let email: String
    public let name: String
    public let kycApproved: Bool

    public init(id: UUID, email: String, name: String, kycApproved: Bool) {
        self.id = id
        self.email = email
        self.name = name
        self.kycApproved = kycApproved
    }

    var actor: String { "client:\(id.uuidString.lowercased())" }
}

public struct OpenedAccount: Sendable {
    public let account: TradingAccountRecord
    /// The master password, shown once; nil when the same form was submitted again.
    public let password: String?
    public let investorPassword: String?
}

/// An account with what the platform says about it right now, or why it could not say.
public struct LiveAccount: Sendable {
    public let account: TradingAccountRecord
    public let state: AccountState?
    public let error: PlatformError?
}

public enum TradingJobs {
    public static let transfer = "trading.transfer"
    public static let reconcile = "trading.reconcile"

    /// The recovery job's payload: which transfer to settle.
    struct TransferPayload: Codable, Equatable {
        let transfer: UUID
    }

    static func payload(transfer: UUID) throws -> String { try CanonicalJSON.text(TransferPayload(transfer: transfer)) }
}

/// Trading accounts, the wallet <-> trading account transfer saga, leverage and access changes.
/// Money only moves through `Ledger`; the platform is only told after the hold is committed,
/// and the hold is only resolved once the platform's answer is known.
public struct Trading: Sendable {
    public let tenantDB: TenantDB
    public let directory: PlatformDirectory
    public let logger: Logger
    /// Seconds before the recovery job looks at a transfer that may not have finished.
    public let recoveryDelaySeconds: Int
    /// Test-only crash points: `trading-after-hold` (hold committed, platform not called) and
    /// `trading-after-platform` (platform applied, ledger not yet posted).
    public let failpoint: String?

    public init(tenantDB: TenantDB, directory: PlatformDirectory, logger: Logger, recoveryDelaySeconds: Int = 30, failpoint: String? = nil) {
        self.tenantDB = tenantDB
        self.directory = directory
        self.logger = logger
        self.recoveryDelaySeconds = recoveryDelaySeconds
        self.failpoint = failpoint
    }

    func crash(at point: String) {
        guard failpoint == point else { return }
        logger.critical("failpoint \(point): exiting")
        exit(137)
    }

    // MARK: Accounts

    public func accounts(tenant: TenantHandle, user: UUID) async throws -> [TradingAccountRecord] {
        try await tenantDB.transaction(tenant) { tx in
            try await TradingAccountRecord.all("\(unescaped: TradingAccountRecord.select) WHERE user_id = \(user) ORDER BY created_at", in: tx)
        }
    }

    public func account(tenant: TenantHandle, id: UUID, user: UUID? = nil) async throws -> TradingAccountRecord {
        let found = try await tenantDB.transaction(tenant) { tx in
            try await TradingAccountRecord.all("\(unescaped: TradingAccountRecord.select) WHERE id = \(id)", in: tx).first
        }
        guard let found, user == nil || found.userID == user else { throw TradingError.notFound }
        return found
    }

    /// Opens an account on the platform and records the mapping. Live accounts need approved KYC.
    /// The password goes to the platform and back to the caller once; Atrium stores none.
    public func openAccount(tenant: TenantHandle, brand: TenantConfig, client: TradingClient, connectionID: String, accountTypeID: String,
                            live: Bool, leverage: Int, idempotencyKey: String) async throws -> OpenedAccount {
        guard let connection = directory.connection(brand, id: connectionID) else { throw TradingError.unknownConnection }
        guard let type = connection.accountType(accountTypeID), let currency = Currency(type.currency) else { throw TradingError.unknownAccountType }
        guard type.leverages.contains(leverage) else { throw TradingError.leverageNotOffered }
        if live && !client.kycApproved { throw TradingError.kycRequired }
        let platform = try directory.platform(brand.slug.value, connection)
        let password = Self.makePassword()
        let investor = Self.makePassword()
        let group = live ? type.group : type.resolvedDemoGroup
        // The advisory lock makes a double-submitted form wait for the first and then find its account,
        // instead of opening a second one on the platform.
        let opened: OpenedAccount = try await tenantDB.transaction(tenant) { tx in
            try await tx.query("SELECT pg_advisory_xact_lock(hashtextextended(\(client.id.uuidString + "|" + idempotencyKey), 7))")
            if let existing = try await TradingAccountRecord.all(
                "\(unescaped: TradingAccountRecord.select) WHERE user_id = \(client.id) AND idempotency_key = \(idempotencyKey)", in: tx).first {
                return OpenedAccount(account: existing, password: nil, investorPassword: nil)
            }
            let login: String
            let asked = Date()
            do {
                login = try await platform.createAccount(NewPlatformAccount(group: group, leverage: leverage, currency: currency, name: client.name,
                                                                             email: client.email, password: password, investorPassword: investor))
            } catch let error as PlatformError where error.isAmbiguous || error.kind == "malformed" {
                // The answer was lost, not necessarily the account: adopt one made for this client in this
                // group since we asked and not yet mapped, rather than leave it orphaned and open another.
                guard let adopted = try await adoptable(platform, email: client.email, group: group, since: asked, connectionID: connectionID, in: tx) else {
                    logger.warning("open account: no answer and no account found", metadata: ["tenant": "\(tenant.slug)", "connection": "\(connectionID)", "error": "\(error)"])
                    throw TradingError.from(error)
                }
                logger.notice("open account: answer lost, adopted the account the platform made", metadata: ["login": "\(adopted)"])
                login = adopted
            } catch let error as PlatformError {
                logger.warning("open account failed", metadata: ["tenant": "\(tenant.slug)", "connection": "\(connectionID)", "error": "\(error)"])
                throw TradingError.from(error)
            }
            let kind = live ? "live" : "demo"
            let rows = try await TradingAccountRecord.all("""
                INSERT INTO trading_accounts (user_id, connection_id, login, kind, account_type, platform_group, currency, leverage, idempotency_key)
                VALUES (\(client.id), \(connectionID), \(login), \(kind), \(accountTypeID), \(group), \(currency.code), \(leverage), \(idempotencyKey))
                RETURNING \(unescaped: TradingAccountRecord.columns)
                """, in: tx)
            guard let account = rows.first else { throw TradingError.invalidState }
            try await AuditLog.append(AuditEntry(actor: client.actor, action: "trading.account_opened", subject: "trading_account:\(connectionID):\(login)",
                                                 after: try CanonicalJSON.object(["kind": kind, "type": accountTypeID, "leverage": leverage])), in: tx)
            try await WebhookEvents.record(.tradingAccountOpened, ["trading_account_id": .id(account.id), "client_id": .id(client.id), "connection_id": .string(connectionID),
                                                                   "login": .string(login), "kind": .string(kind), "account_type": .string(accountTypeID),
                                                                   "currency": .string(currency.code), "leverage": .int(Int64(leverage))], in: tx)
            return OpenedAccount(account: account, password: password, investorPassword: investor)
        }
        if opened.password != nil && !live {
            // Demo money is virtual: it is put on the platform only, never in the ledger.
            let amount = type.demoDepositMinor ?? 10_000 * currency.scale
            do {
                _ = try await platform.balance(login: opened.account.login, amount: amount, currency: currency, reference: "demo-initial-\(opened.account.login)")
            } catch {
                logger.warning("demo deposit failed", metadata: ["login": "\(opened.account.login)", "error": "\(error)"])
            }
        }
        return opened
    }

    /// An account of `email` in `group` created since `since` (with a few seconds of clock slack)
    /// that no trading account row maps yet, the newest first; nil when there is none or the
    /// platform cannot be asked.
    func adoptable(_ platform: any TradingPlatform, email: String, group: String, since: Date, connectionID: String,
                   in tx: TenantTransaction) async throws -> String? {
        guard let found = try? await platform.accounts(email: email, group: group) else { return nil }
        let fresh = found.filter { ($0.created ?? .distantPast) >= since.addingTimeInterval(-5) }.map(\.login)
        guard !fresh.isEmpty else { return nil }
        let mapped = try await tx.query("SELECT login FROM trading_accounts WHERE connection_id = \(connectionID) AND login = ANY(\(fresh))")
            .collect().map { try $0.decode(String.self) }
        return fresh.filter { !mapped.contains($0) }.max { (Int64($0) ?? 0) < (Int64($1) ?? 0) }
    }

    /// A password the platforms accept: 12 characters with upper and lower case letters, digits
    /// and a symbol.
    static func makePassword() -> String {
        var rng = SystemRandomNumberGenerator()
        let upper = Array("ABCDEFGHJKLMNPQRSTUVWXYZ"), lower = Array("abcdefghijkmnopqrstuvwxyz"), digits = Array("23456789"), symbols = Array("!#$%*+-=?@")
        var chars: [Character] = []
        for _ in 0..<4 { chars.append(upper.randomElement(using: &rng) ?? "A") }
        for _ in 0..<4 { chars.append(lower.randomElement(using: &rng) ?? "a") }
        for _ in 0..<3 { chars.append(digits.randomElement(using: &rng) ?? "2") }
        chars.append(symbols.randomElement(using: &rng) ?? "#")
        chars.shuffle(using: &rng)
        return String(chars)
    }

    /// Each account with the platform's live figures (fetched concurrently); the figures are
    /// also kept on the row, so lists can fall back to them when the platform is down.
    public func liveAccounts(tenant: TenantHandle, brand: TenantConfig, user: UUID) async throws -> [LiveAccount] {
        let accounts = try await accounts(tenant: tenant, user: user)
        let results = await withTaskGroup(of: (Int, AccountState?, PlatformError?).self) { group in
            for (i, a) in accounts.enumerated() {
                group.addTask {
                    do {
                        let p = try directory.platform(brand, connection: a.connectionID)
                        return (i, try await p.state(login: a.login, currency: a.currency), nil)
                    } catch let e as PlatformError {
                        return (i, nil, e)
                    } catch {
                        return (i, nil, PlatformError.unavailable("\(error)"))
                    }
                }
            }
            var out: [Int: (AccountState?, PlatformError?)] = [:]
            for await (i, s, e) in group { out[i] = (s, e) }
            return out
        }
        let live = accounts.enumerated().map { i, a in LiveAccount(account: a, state: results[i]?.0, error: results[i]?.1) }
        try await remember(tenant: tenant, live.compactMap { l in l.state.map { (l.account.id, $0) } })
        return live
    }

    /// Keeps the figures the platform just reported on the account rows (shown while it is down).
    public func remember(tenant: TenantHandle, _ states: [(UUID, AccountState)]) async throws {
        guard !states.isEmpty else { return }
        // One statement for all of them; Int64.min stands for "no margin level" (NULL) in the array.
        try await tenantDB.transaction(tenant) { tx in
            // Lock the rows in id order first: two views of one trader at once would otherwise lock
            // them in whatever order the join produces and deadlock (SQLSTATE 40P01).
            try await tx.query("SELECT 1 FROM trading_accounts WHERE id = ANY(\(states.map(\.0))) ORDER BY id FOR UPDATE")
            try await tx.query("""
                UPDATE trading_accounts a SET last_balance = s.balance, last_equity = s.equity, last_margin = s.margin,
                       last_free_margin = s.free_margin, last_margin_level_bp = NULLIF(s.level, \(Int64.min)), state_at = now()
                FROM unnest(\(states.map(\.0)), \(states.map(\.1.balance)), \(states.map(\.1.equity)), \(states.map(\.1.margin)),
                            \(states.map(\.1.freeMargin)), \(states.map { $0.1.marginLevelBasisPoints ?? Int64.min }))
                     AS s(id, balance, equity, margin, free_margin, level)
                WHERE a.id = s.id
                """)
        }
    }

    public func trades(tenant: TenantHandle, account: UUID, limit: Int = 100) async throws -> [ClosedTrade] {
        try await tenantDB.transaction(tenant) { tx in try await Self.trades(account: account, limit: limit, in: tx) }
    }

    /// What the account page lists besides the live figures, read in one transaction: recent
    /// closed trades, recent transfers, and the client's wallet in the account's currency.
    public func activity(tenant: TenantHandle, account: TradingAccountRecord, trades tradeLimit: Int = 50,
                         transfers transferLimit: Int = 20) async throws -> (trades: [ClosedTrade], transfers: [TradingTransfer], wallet: LedgerAccount) {
        try await tenantDB.transaction(tenant) { tx in
            (try await Self.trades(account: account.id, limit: tradeLimit, in: tx),
             try await Self.transfers(account: account.id, limit: transferLimit, in: tx),
             try await Ledger.wallet(user: account.userID, currency: account.currency, in: tx))
        }
    }

    static func trades(account: UUID, limit: Int, in tx: TenantTransaction) async throws -> [ClosedTrade] {
        var out: [ClosedTrade] = []
        for try await row in try await tx.query("""
            SELECT ticket, login, symbol, side, volume, open_price::text, close_price::text, profit, commission, swap, open_time, close_time
            FROM trading_deals WHERE account_id = \(account) ORDER BY close_time DESC, ticket DESC LIMIT \(limit)
            """) {
            let (ticket, login, symbol, side, volume, open, close, profit, commission, swap, openTime, closeTime) =
                try row.decode((Int64, String, String, String, Int64, String, String, Int64, Int64, Int64, Date?, Date).self)
            out.append(ClosedTrade(ticket: ticket, login: login, symbol: symbol, side: try tx.stored(side, kind: "trade_side", table: "trading_deals", id: ticket, TradeSide.init(rawValue:)), volume: volume,
                                   openPrice: open, closePrice: close, profit: profit, commission: commission, swap: swap,
                                   openTime: openTime, closeTime: closeTime))
        }
        return out
    }
}
