import AtriumCore
import AtriumLedger
import AtriumStorage
import AtriumBrandConfig
import Foundation
import Logging
import PostgresNIO

public enum LeverageOutcome: Sendable, Equatable {
    case applied(Int)
    case review(UUID)
}

/// What the Back Office asked for and what the platform reports afterwards.
public struct AccessChange: Sendable, Equatable {
    public let requested: AccessLevel
    public let readBack: AccessLevel
    public var verified: Bool { requested == readBack }

    public init(requested: AccessLevel, readBack: AccessLevel) {
        self.requested = requested
        self.readBack = readBack
    }
}

/// Leverage requests and Back Office access changes; each change is read back from the platform.
extension Trading {
    public func requestLeverage(tenant: TenantHandle, brand: TenantConfig, client: TradingClient, accountID: UUID, leverage: Int) async throws -> LeverageOutcome {
        let account = try await account(tenant: tenant, id: accountID, user: client.id)
        guard let type = directory.connection(brand, id: account.connectionID)?.accountType(account.accountType) else { throw TradingError.unknownAccountType }
        guard type.leverages.contains(leverage) else { throw TradingError.leverageNotOffered }
        guard leverage != account.leverage else { throw TradingError.sameLeverage }
        guard account.access != .disabled else { throw TradingError.accountNotActive }
        if !account.isLive || leverage <= type.autoLeverageLimit {
            try await applyLeverage(tenant: tenant, brand: brand, account: account, leverage: leverage, actor: client.actor, requestID: nil)
            return .applied(leverage)
        }
        let id: UUID = try await tenantDB.transaction(tenant) { tx in
            let rows = try await tx.query("""
                INSERT INTO leverage_requests (account_id, user_id, from_leverage, to_leverage, status)
                VALUES (\(account.id), \(client.id), \(account.leverage), \(leverage), 'review')
                ON CONFLICT DO NOTHING RETURNING id
                """).collect()
            guard let id = try rows.first?.decode(UUID.self) else { throw TradingError.requestPending }
            try await AuditLog.append(AuditEntry(actor: client.actor, action: "trading.leverage_requested", subject: "trading_account:\(account.connectionID):\(account.login)",
                                                 before: try CanonicalJSON.object(["leverage": account.leverage]), after: try CanonicalJSON.object(["leverage": leverage])), in: tx)
            return id
        }
        return .review(id)
    }

    /// Sets leverage on the platform, reads it back, and records the result.
    func applyLeverage(tenant: TenantHandle, brand: TenantConfig, account: TradingAccountRecord, leverage: Int, actor: String, requestID: UUID?) async throws {
        let platform = try directory.platform(brand, connection: account.connectionID)
        let readBack: Int
        do {
            try await platform.setLeverage(login: account.login, leverage: leverage)
            readBack = try await platform.account(login: account.login).leverage
        } catch let error as PlatformError {
            throw TradingError.from(error)
        }
        try await tenantDB.transaction(tenant) { tx in
            try await tx.query("UPDATE trading_accounts SET leverage = \(readBack) WHERE id = \(account.id)")
            if let requestID {
                try await tx.query("UPDATE leverage_requests SET status = 'applied', decided_at = now() WHERE id = \(requestID)")
            } else {
                try await tx.query("""
                    INSERT INTO leverage_requests (account_id, user_id, from_leverage, to_leverage, status, decided_at)
                    VALUES (\(account.id), \(account.userID), \(account.leverage), \(leverage), 'applied', now())
                    """)
            }
            try await AuditLog.append(AuditEntry(actor: actor, action: "trading.leverage_changed", subject: "trading_account:\(account.connectionID):\(account.login)",
                                                 before: try CanonicalJSON.object(["leverage": account.leverage]), after: try CanonicalJSON.object(["leverage": readBack])), in: tx)
        }
        guard readBack == leverage else { throw TradingError.platformRejected("leverage reads back as 1:\(readBack)") }
    }

    public func leverageRequests(tenant: TenantHandle, status: String = "review") async throws -> [LeverageRequest] {
        try await tenantDB.transaction(tenant) { tx in
            var out: [LeverageRequest] = []
            for try await row in try await tx.query("""
                SELECT r.id, r.account_id, r.user_id, a.login, r.from_leverage, r.to_leverage, r.status, r.note, r.created_at
                FROM leverage_requests r JOIN trading_accounts a ON a.id = r.account_id
                WHERE r.status = \(status) ORDER BY r.created_at LIMIT 200
                """) {
                let (id, account, user, login, from, to, status, note, at) = try row.decode((UUID, UUID, UUID, String, Int, Int, String, String, Date).self)
                out.append(LeverageRequest(id: id, accountID: account, userID: user, login: login, fromLeverage: from, toLeverage: to, status: status, note: note, createdAt: at))
            }
            return out
        }
    }

    /// Back Office decision on a leverage request above the automatic limit.
    public func decideLeverage(tenant: TenantHandle, brand: TenantConfig, requestID: UUID, approve: Bool, staff: String, note: String) async throws {
        let request = try await tenantDB.transaction(tenant) { tx in
            try await tx.query("SELECT account_id, to_leverage FROM leverage_requests WHERE id = \(requestID) AND status = 'review'").collect().first
                .map { try $0.decode((UUID, Int).self) }
        }
        guard let (accountID, leverage) = request else { throw TradingError.invalidState }
        let account = try await account(tenant: tenant, id: accountID)
        if approve {
            try await applyLeverage(tenant: tenant, brand: brand, account: account, leverage: leverage, actor: staff, requestID: requestID)
            return
        }
        try await tenantDB.transaction(tenant) { tx in
            try await tx.query("UPDATE leverage_requests SET status = 'rejected', note = \(note), decided_at = now() WHERE id = \(requestID) AND status = 'review'")
            try await AuditLog.append(AuditEntry(actor: staff, action: "trading.leverage_rejected", subject: "trading_account:\(account.connectionID):\(account.login)",
                                                 after: try CanonicalJSON.object(["requested": leverage])), in: tx)
        }
    }

    /// Sets enabled / read-only / disabled on the platform, reads the account back and stores
    /// what the platform reports, so a difference is visible instead of assumed away.
    public func setAccess(tenant: TenantHandle, brand: TenantConfig, accountID: UUID, access: AccessLevel, staff: String) async throws -> AccessChange {
        let account = try await account(tenant: tenant, id: accountID)
        let platform = try directory.platform(brand, connection: account.connectionID)
        let readBack: AccessLevel
        do {
            try await platform.setAccess(login: account.login, access: access)
            readBack = try await platform.account(login: account.login).access
        } catch let error as PlatformError {
            throw TradingError.from(error)
        }
        try await tenantDB.transaction(tenant) { tx in
            try await tx.query("UPDATE trading_accounts SET access = \(readBack.rawValue) WHERE id = \(account.id)")
            try await AuditLog.append(AuditEntry(actor: staff, action: "trading.access_changed", subject: "trading_account:\(account.connectionID):\(account.login)",
                                                 before: try CanonicalJSON.object(["access": account.access.rawValue]),
                                                 after: try CanonicalJSON.object(["requested": access.rawValue, "read_back": readBack.rawValue])), in: tx)
        }
        return AccessChange(requested: access, readBack: readBack)
    }

    /// Reads the platform's view of an account and compares it with ours (Back Office).
    public func verifyAccount(tenant: TenantHandle, brand: TenantConfig, accountID: UUID) async throws -> (TradingAccountRecord, PlatformAccountInfo) {
        let account = try await account(tenant: tenant, id: accountID)
        do {
            return (account, try await directory.platform(brand, connection: account.connectionID).account(login: account.login))
        } catch let error as PlatformError {
            throw TradingError.from(error)
        }
    }
}
