import AtriumCore
import AtriumLedger
import AtriumStorage
import AtriumBrandConfig
import Foundation
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Sync health of one connection, for the Back Office.
public struct SyncStatus: Sendable, Equatable {
    public let connectionID: String
    public let status: String
    public let lastError: String
    public let lastAttemptAt: Date?
    public let lastSuccessAt: Date?
    public let newestDealAt: Date?
    public let dealsIngested: Int64
    public let cursorTicket: Int64
    /// Stored deals on logins no trading account maps: their currency is unknown (stored as
    /// `ClosedTrade.unknownCurrency`), so no report may add them to money in a known currency.
    public let unmappedDeals: Int64

    /// Seconds since the last successful pass; nil before the first.
    public func lagSeconds(now: Date = Date()) -> Int? { lastSuccessAt.map { max(0, Int(now.timeIntervalSince($0))) } }
}

public struct SyncPass: Sendable, Equatable {
    public var deals: Int
    public var pages: Int
    public var accountsRefreshed: Int
    public var caughtUp: Bool
    /// The stored cursor after the pass (nil when the pass failed before reading it).
    public var cursor: DealCursor? = nil
    /// Whether the connection maps any trading account (whose state a pass refreshes).
    public var hasAccounts: Bool = true
}

extension Trading {
    /// One pass for one connection: closed trades after the stored cursor, page by page, each page
    /// stored together with the advanced cursor (so a crash resumes from the last stored page),
    /// then the state of up to `stateBatch` accounts whose cached figures are oldest.
    @discardableResult
    public func syncOnce(tenant: TenantHandle, brand: TenantConfig, connectionID: String, pageLimit: Int = 5_000, maxPages: Int = 20, stateBatch: Int = 10) async throws -> SyncPass {
        guard let connection = directory.connection(brand, id: connectionID) else { throw TradingError.unknownConnection }
        var pass = SyncPass(deals: 0, pages: 0, accountsRefreshed: 0, caughtUp: false)
        let (cursor, currencies) = try await tenantDB.transaction(tenant) { tx in
            try await tx.query("INSERT INTO trading_sync (connection_id) VALUES (\(connectionID)) ON CONFLICT DO NOTHING")
            try await tx.query("UPDATE trading_sync SET last_attempt_at = now() WHERE connection_id = \(connectionID)")
            let row = try await tx.query("SELECT cursor_time, cursor_ticket FROM trading_sync WHERE connection_id = \(connectionID)").collect().first
            let (time, ticket) = try row?.decode((Date, Int64).self) ?? (Date(timeIntervalSince1970: 0), Int64(0))
            var currencies: [String: Currency] = [:]
            for try await (login, code) in try await tx.query("SELECT login, currency FROM trading_accounts WHERE connection_id = \(connectionID)").decode((String, String).self) {
                currencies[login] = Currency(code)
            }
            return (DealCursor(time: time, ticket: ticket), currencies)
        }
        do {
            let platform = try directory.platform(brand.slug.value, connection)
            var at = cursor
            while pass.pages < maxPages {
                let page = try await platform.deals(groups: connection.groups, after: at, limit: pageLimit) { currencies[$0] }
                pass.pages += 1
                pass.deals += try await store(tenant: tenant, connectionID: connectionID, page: page, currencies: currencies, chunk: pageLimit)
                at = page.next
                if !page.hasMore { pass.caughtUp = true; break }
            }
            pass.cursor = at
            pass.hasAccounts = !currencies.isEmpty
            pass.accountsRefreshed = try await refreshStates(tenant: tenant, platform: platform, connectionID: connectionID, limit: stateBatch)
            try await tenantDB.transaction(tenant) { tx in
                try await tx.query("UPDATE trading_sync SET status = 'ok', last_error = '', last_success_at = now() WHERE connection_id = \(connectionID)")
            }
        } catch {
            let (status, message): (String, String) = switch error {
            case let e as PlatformError where e.kind == "auth_failed": ("auth_failed", e.description)
            case let e as PlatformError where e.kind == "unavailable" || e.kind == "timeout": ("unavailable", e.description)
            case let e as PlatformError where e.kind == "rate_limited": ("rate_limited", e.description)
            case let e as TradingError: ("error", e.description)
            default: ("error", "\(error)")
            }
            try await tenantDB.transaction(tenant) { tx in
                try await tx.query("UPDATE trading_sync SET status = \(status), last_error = \(String(message.prefix(500))) WHERE connection_id = \(connectionID)")
            }
            throw error
        }
        return pass
    }

    /// Stores a page of closed trades in chunks of `chunk` rows, each chunk in one transaction with
    /// the cursor after it, so an interrupted pass resumes after the last stored chunk.
    func store(tenant: TenantHandle, connectionID: String, page: DealPage, currencies: [String: Currency], chunk: Int = 5_000) async throws -> Int {
        let iso = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        let o = page.openings
        if !o.isEmpty {
            try await tenantDB.transaction(tenant) { tx in
                try await tx.query("""
                    INSERT INTO trading_open_deals (connection_id, position_id, commission, open_time)
                    SELECT \(connectionID), p, c, t::timestamptz FROM unnest(\(o.map(\.positionID)), \(o.map(\.commission)), \(o.map { iso.format($0.time) })) AS x(p, c, t)
                    ON CONFLICT DO NOTHING
                    """)
            }
        }
        var inserted = 0
        var unmapped = 0
        var start = 0
        // Every deal is stored no later than the chunk whose cursor passes it (see `streamTicket`).
        let deals = page.deals.sorted { $0.streamTicket < $1.streamTicket }
        var dealStart = 0
        repeat {
            let t = Array(page.trades[start..<min(page.trades.count, start + max(1, chunk))])
            start += t.count
            let next = start >= page.trades.count ? page.next : DealCursor(time: t[t.count - 1].closeTime, ticket: t[t.count - 1].ticket)
            let dealEnd = start >= page.trades.count ? deals.count : deals[dealStart...].firstIndex { $0.streamTicket > next.ticket } ?? deals.count
            let chunkDeals = Array(deals[dealStart..<dealEnd])
            dealStart = dealEnd
            let (stored, storedUnmapped) = try await tenantDB.transaction(tenant) { tx in
                var count = 0
                var unmapped = 0
                _ = try await PlatformDeals.store(chunkDeals, connectionID: connectionID, batch: chunk, in: tx)
                if !t.isEmpty {
                    let rows = try await tx.query("""
                        INSERT INTO trading_deals (connection_id, ticket, login, account_id, symbol, side, volume, open_price, close_price, currency,
                                                   profit, commission, swap, open_time, close_time)
                        SELECT \(connectionID), d.ticket, d.login, a.id, d.symbol, d.side, d.volume, d.open_price::numeric, d.close_price::numeric,
                               COALESCE(a.currency, d.currency), d.profit, d.commission + COALESCE(o.commission, 0), d.swap,
                               COALESCE(NULLIF(d.open_time, '')::timestamptz, o.open_time), d.close_time::timestamptz
                        FROM unnest(\(t.map(\.ticket)), \(t.map(\.login)), \(t.map(\.symbol)), \(t.map(\.side.rawValue)), \(t.map(\.volume)),
                                    \(t.map(\.openPrice)), \(t.map(\.closePrice)), \(t.map { currencies[$0.login]?.code ?? ClosedTrade.unknownCurrency }),
                                    \(t.map(\.profit)), \(t.map(\.commission)), \(t.map(\.swap)),
                                    \(t.map { $0.openTime.map { iso.format($0) } ?? "" }), \(t.map { iso.format($0.closeTime) }), \(t.map { $0.positionID ?? -1 }))
                             AS d(ticket, login, symbol, side, volume, open_price, close_price, currency, profit, commission, swap, open_time, close_time, position)
                        LEFT JOIN trading_accounts a ON a.connection_id = \(connectionID) AND a.login = d.login
                        LEFT JOIN trading_open_deals o ON o.connection_id = \(connectionID) AND o.position_id = d.position
                        WHERE d.volume > 0
                        ON CONFLICT (connection_id, ticket) DO NOTHING
                        RETURNING account_id IS NULL
                        """).decode(Bool.self)
                    for try await isUnmapped in rows {
                        count += 1
                        if isUnmapped { unmapped += 1 }
                    }
                }
                try await tx.query("""
                    UPDATE trading_sync SET cursor_time = \(next.time), cursor_ticket = \(next.ticket), deals_ingested = deals_ingested + \(count),
                           newest_deal_at = GREATEST(newest_deal_at, \(t.last?.closeTime))
                    WHERE connection_id = \(connectionID)
                    """)
                return (count, unmapped)
            }
            inserted += stored
            unmapped += storedUnmapped
        } while start < page.trades.count
        if unmapped > 0 { reportUnmapped(unmapped, tenant: tenant, connectionID: connectionID, logins: Set(page.trades.map(\.login)).subtracting(currencies.keys)) }
        return inserted
    }

    /// Deals on logins no account maps are stored with an unknown currency, never a made-up one;
    /// each batch is logged and counted (`atrium_trading_unmapped_deals_total`), and the Back
    /// Office sync page shows how many a connection holds.
    func reportUnmapped(_ count: Int, tenant: TenantHandle, connectionID: String, logins: Set<String>) {
        logger.warning("deals on unmapped logins stored with an unknown currency", metadata: [
            "tenant": "\(tenant.slug)", "connection": "\(connectionID)", "deals": "\(count)",
            "logins": "\(logins.sorted().prefix(20).joined(separator: ","))",
        ])
        Counter(label: ClosedTrade.unmappedMetric).increment(by: count)
    }

    /// Refreshes the cached balance/equity/margin of the accounts read longest ago.
    func refreshStates(tenant: TenantHandle, platform: any TradingPlatform, connectionID: String, limit: Int) async throws -> Int {
        guard limit > 0 else { return 0 }
        let accounts = try await tenantDB.transaction(tenant) { tx in
            try await TradingAccountRecord.all("""
                \(unescaped: TradingAccountRecord.select) WHERE connection_id = \(connectionID) AND access <> 'disabled'
                ORDER BY state_at NULLS FIRST LIMIT \(limit)
                """, in: tx)
        }
        var states: [(UUID, AccountState)] = []
        for a in accounts {
            states.append((a.id, try await platform.state(login: a.login, currency: a.currency)))
        }
        try await remember(tenant: tenant, states)
        return states.count
    }

    public func syncStatus(tenant: TenantHandle) async throws -> [SyncStatus] {
        try await tenantDB.transaction(tenant) { tx in
            var out: [SyncStatus] = []
            for try await row in try await tx.query("""
                SELECT s.connection_id, s.status, s.last_error, s.last_attempt_at, s.last_success_at, s.newest_deal_at, s.deals_ingested, s.cursor_ticket,
                       (SELECT count(*) FROM trading_deals d WHERE d.connection_id = s.connection_id AND d.account_id IS NULL)
                FROM trading_sync s ORDER BY s.connection_id
                """) {
                let (id, status, error, attempt, success, newest, count, ticket, unmapped) = try row.decode((String, String, String, Date?, Date?, Date?, Int64, Int64, Int64).self)
                out.append(SyncStatus(connectionID: id, status: status, lastError: error, lastAttemptAt: attempt, lastSuccessAt: success,
                                      newestDealAt: newest, dealsIngested: count, cursorTicket: ticket, unmappedDeals: unmapped))
            }
            return out
        }
    }
}

/// The brands long-running trading services walk: provided by the tenant registry at the
/// composition root, so this module does not depend on tenancy.
public protocol TradingBrands: Sendable {
    /// Active brands with a definition that decodes.
    func activeBrands() async throws -> [(handle: TenantHandle, config: TenantConfig)]
    /// The current definition of one brand, or nil when it is gone.
    func brand(slug: String) async throws -> TenantConfig?
}

/// Keeps the saga and the books honest without anyone watching: every minute it settles transfers
/// left open longer than `staleSeconds` (their recovery job may have run out of retries during a
/// long outage), and every `reconcileEvery` it runs the reconciliation of each brand.
public struct TradingMaintenanceService: Service {
    let trading: Trading
    let registry: any TradingBrands
    let staleSeconds: Int
    let reconcileEvery: Duration
    let activity: TableActivity?
    let logger: Logger

    /// With `activity`, the stale-transfer sweep runs only for brands whose transfers changed (and
    /// for every brand at least once per sweep); without it, for every brand every minute.
    public init(trading: Trading, registry: any TradingBrands, staleSeconds: Int = 300, reconcileEvery: Duration = .seconds(3600),
                activity: TableActivity? = nil, logger: Logger) {
        self.trading = trading
        self.registry = registry
        self.staleSeconds = staleSeconds
        self.reconcileEvery = reconcileEvery
        self.activity = activity
        self.logger = logger
    }

    /// The tables whose changes the stale-transfer sweep reads.
    public static let watchedTables = ["trading_transfers"]

    public func run() async throws {
        var lastReconcile: [UUID: ContinuousClock.Instant] = [:]
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let pass = await ActivityPass(activity)
            for (handle, brand) in (try? await registry.activeBrands()) ?? [] where !(brand.platforms ?? []).isEmpty {
                if pass.isDue(handle.schema.name) {
                    // A sweep that leaves transfers open keeps the brand due: `ran` is recorded only when none is left.
                    if await sweep(handle, brand) { pass.ran(handle.schema.name) }
                }
                let now = ContinuousClock.now
                if lastReconcile[handle.id].map({ now - $0 >= reconcileEvery }) ?? true {
                    lastReconcile[handle.id] = now
                    do {
                        let report = try await trading.reconcile(tenant: handle, brand: brand)
                        if !report.differences.isEmpty {
                            logger.warning("trading reconciliation found differences", metadata: ["tenant": "\(handle.slug)", "count": "\(report.differences.count)"])
                        }
                    } catch {
                        logger.warning("trading reconciliation failed", metadata: ["tenant": "\(handle.slug)", "error": "\(error)"])
                    }
                }
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
            }
            await TradingSyncService.pause(.seconds(60))
        }
    }

    /// Settles the stale open transfers; true when none was open or all settled.
    @discardableResult
    func sweep(_ tenant: TenantHandle, _ brand: TenantConfig) async -> Bool {
        guard let open = try? await trading.openTransfers(tenant: tenant, olderThan: staleSeconds) else { return false }
        var clean = true
        for t in open {
            do {
                try await trading.recover(tenant: tenant, brand: brand, transferID: t.id)
            } catch {
                logger.warning("stale transfer still unsettled", metadata: ["tenant": "\(tenant.slug)", "reference": "\(t.reference)", "error": "\(error)"])
                clean = false
            }
        }
        return clean
    }
}
