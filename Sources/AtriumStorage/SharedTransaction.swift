import Synchronization

/// One tenant transaction shared by every `TenantDB.transaction` call made while handling a
/// request (`TenantDB.sharing`): a read-only page pays BEGIN, the tenant entry and COMMIT once,
/// not once per helper it calls.
final class SharedTransaction: Sendable {
    let tx: TenantTransaction
    /// Set when a joined call failed: PostgreSQL may have aborted the transaction, so later calls
    /// open their own instead of failing with "current transaction is aborted".
    private let failed = Atomic<Bool>(false)

    init(_ tx: TenantTransaction) {
        self.tx = tx
    }

    var usable: Bool { !failed.load(ordering: .acquiring) }

    func markFailed() {
        failed.store(true, ordering: .releasing)
    }

    /// The shared transaction of the current task, if any.
    @TaskLocal static var current: SharedTransaction?
}

/// Thrown inside `sharing` to roll the shared transaction back while returning the body's result.
private struct RollBackShared: Error {}

extension TenantDB {
    /// Runs `body` with one transaction of `tenant` open that every `transaction(tenant)` call
    /// inside it joins (with the same role and schema) instead of opening its own. For request
    /// handlers that only read and call no outside service: the connection stays leased until
    /// `body` returns, so nothing slow may run inside. A joined call that throws leaves the shared
    /// transaction to be rolled back by PostgreSQL if it aborted, and later calls in `body` open
    /// their own transactions. Jobs queued by joined calls are written when the shared transaction
    /// commits.
    public func sharing<R: Sendable>(_ tenant: TenantHandle, _ body: () async throws -> R) async throws -> R {
        if let shared = SharedTransaction.current, shared.tx.tenant == tenant { return try await body() }
        let kept = Mutex<R?>(nil)
        do {
            return try await transaction(tenant) { tx in
                let shared = SharedTransaction(tx)
                let result = try await SharedTransaction.$current.withValue(shared) { try await body() }
                // A joined call failed and `body` carried on: what that call wrote must not commit
                // (on its own it would have rolled back), so the whole transaction rolls back.
                guard shared.usable else {
                    kept.withLock { $0 = result }
                    throw RollBackShared()
                }
                return result
            }
        } catch is RollBackShared {
            guard let result = kept.withLock({ $0.take() }) else { throw RollBackShared() }
            return result
        }
    }

    /// The transaction a `transaction(tenant)` call inside `sharing(tenant)` joins, if it may.
    func joinable(_ tenant: TenantHandle) -> SharedTransaction? {
        guard let shared = SharedTransaction.current, shared.tx.tenant == tenant, shared.usable else { return nil }
        return shared
    }
}
