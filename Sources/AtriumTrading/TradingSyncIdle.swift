import AtriumBrandConfig
import AtriumStorage
import Foundation

/// What the sync scheduler remembers of one connection between passes, so a pass on an idle
/// connection (no new deals, no accounts to refresh) costs the platform call and no database work.
public struct SyncMemo: Sendable {
    /// The cursor stored by the last full pass.
    var cursor: DealCursor?
    /// Whether the connection mapped any account at the last full pass.
    var hasAccounts = true
    /// When the last full pass ran (it records the attempt and success in `trading_sync`).
    var lastFull: ContinuousClock.Instant?

    public init() {}
}

extension Trading {
    /// One scheduled pass. When the last full pass is younger than `heartbeat`, found no account
    /// to refresh, and the platform has no deal after its cursor, nothing is read or written;
    /// otherwise (something new, an error, accounts, or the heartbeat is due) it is a full
    /// `syncOnce`, which reads the stored cursor again and records the attempt. So an idle
    /// connection writes its status once per `heartbeat`, and new deals still arrive within one
    /// interval.
    public func syncPass(tenant: TenantHandle, brand: TenantConfig, connectionID: String, memo: SyncMemo,
                         heartbeat: Duration = .seconds(600)) async throws -> (SyncPass, SyncMemo) {
        if let cursor = memo.cursor, !memo.hasAccounts, let last = memo.lastFull, ContinuousClock.now - last < heartbeat,
           let connection = directory.connection(brand, id: connectionID),
           let platform = try? directory.platform(brand.slug.value, connection),
           let page = try? await platform.deals(groups: connection.groups, after: cursor, limit: 1, currencyOf: { _ in nil }),
           page.trades.isEmpty, page.openings.isEmpty, page.deals.isEmpty, !page.hasMore {
            return (SyncPass(deals: 0, pages: 1, accountsRefreshed: 0, caughtUp: true, cursor: cursor, hasAccounts: false), memo)
        }
        let pass = try await syncOnce(tenant: tenant, brand: brand, connectionID: connectionID)
        var next = SyncMemo()
        next.cursor = pass.caughtUp ? pass.cursor : nil
        next.hasAccounts = pass.hasAccounts
        next.lastFull = ContinuousClock.now
        return (pass, next)
    }
}
