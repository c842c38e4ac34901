import AtriumBrandConfig
import AtriumStorage
import Foundation

/// What the sync scheduler remembers of one connection between passes, so a pass on an idle
/// connection (no new deals, no accounts to refresh) costs the platform call and no database work.
public struct SyncMemo: Sendable {
    /// The cursor stored by the last full pass.
    var cursor: DealCursor?
    /// Whether the connection mapped any account at the last look.
    var hasAccounts = true
    /// When the pass was last recorded in `trading_sync` (a full pass or a heartbeat).
    var lastRecorded: ContinuousClock.Instant?

    public init() {}
}

extension Trading {
    /// One scheduled pass. When the connection had no account at the last look and the platform
    /// has no deal after the remembered cursor, nothing is read or written, except a heartbeat
    /// every `heartbeat`: one transaction that records the quiet pass (last attempt and success)
    /// and looks again at the stored cursor and the accounts. Anything else (something new, an
    /// error, accounts, a cursor another server moved) is a full `syncOnce`. So an idle connection
    /// costs one transaction per `heartbeat`, and new deals still arrive within one interval.
    public func syncPass(tenant: TenantHandle, brand: TenantConfig, connectionID: String, memo: SyncMemo,
                         heartbeat: Duration = .seconds(600)) async throws -> (SyncPass, SyncMemo) {
        let now = ContinuousClock.now
        if let cursor = memo.cursor, !memo.hasAccounts, let last = memo.lastRecorded,
           let connection = directory.connection(brand, id: connectionID),
           let platform = try? directory.platform(brand.slug.value, connection),
           let page = try? await platform.deals(groups: connection.groups, after: cursor, limit: 1, currencyOf: { _ in nil }),
           page.trades.isEmpty, page.openings.isEmpty, page.deals.isEmpty, !page.hasMore {
            let quiet = SyncPass(deals: 0, pages: 1, accountsRefreshed: 0, caughtUp: true, cursor: cursor, hasAccounts: false)
            if now - last < heartbeat { return (quiet, memo) }
            let (stored, hasAccounts) = try await tenantDB.transaction(tenant) { tx in
                try await tx.query("""
                    UPDATE trading_sync SET status = 'ok', last_error = '', last_attempt_at = now(), last_success_at = now()
                    WHERE connection_id = \(connectionID)
                    """)
                let row = try await tx.query("""
                    SELECT cursor_time, cursor_ticket, EXISTS (SELECT 1 FROM trading_accounts WHERE connection_id = \(connectionID))
                    FROM trading_sync WHERE connection_id = \(connectionID)
                    """).collect().first
                let (time, ticket, accounts) = try row?.decode((Date, Int64, Bool).self) ?? (Date(timeIntervalSince1970: 0), Int64(0), true)
                return (DealCursor(time: time, ticket: ticket), accounts)
            }
            var next = memo
            next.lastRecorded = now
            next.hasAccounts = hasAccounts
            // Another server moved the cursor: the next pass is a full one from the stored cursor.
            // (The database keeps microseconds: compare to the millisecond.)
            if stored.ticket != cursor.ticket || abs(stored.time.timeIntervalSince(cursor.time)) >= 0.001 { next.cursor = nil }
            return (quiet, next)
        }
        let pass = try await syncOnce(tenant: tenant, brand: brand, connectionID: connectionID)
        var next = SyncMemo()
        next.cursor = pass.caughtUp ? pass.cursor : nil
        next.hasAccounts = pass.hasAccounts
        next.lastRecorded = ContinuousClock.now
        return (pass, next)
    }
}
