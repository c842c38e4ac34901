import AtriumCore
import AtriumLedger
import AtriumStorage
import Foundation
import PostgresNIO

/// Errors of the trading flows, shown to clients and staff through locale keys.
public enum TradingError: Error, Equatable, UserFacingError, CustomStringConvertible {
    case kycRequired
    case unknownConnection
    case unknownAccountType
    case leverageNotOffered
    case sameLeverage
    case notFound
    case demoAccount
    case accountNotActive
    case insufficientFunds
    case insufficientFreeMargin(available: Int64)
    case requestPending
    case invalidState
    case connectionMisconfigured(String)
    /// The platform did not answer or refused us (down, auth, rate limit): nothing moved.
    case platformUnavailable(String)
    /// The platform refused the operation itself.
    case platformRejected(String)

    public var status: Int {
        switch self {
        case .notFound: 404
        case .requestPending, .invalidState: 409
        case .platformUnavailable, .connectionMisconfigured: 503
        default: 422
        }
    }

    public var publicMessage: String {
        switch self {
        case .kycRequired: "error_trading_kyc_required"
        case .unknownConnection, .unknownAccountType: "error_trading_unknown_type"
        case .leverageNotOffered: "error_trading_leverage"
        case .sameLeverage: "error_trading_same_leverage"
        case .notFound: "error_trading_not_found"
        case .demoAccount: "error_trading_demo"
        case .accountNotActive: "error_trading_inactive"
        case .insufficientFunds: "error_insufficient_funds"
        case .insufficientFreeMargin: "error_trading_free_margin"
        case .requestPending: "error_trading_request_pending"
        case .invalidState: "error_trading_state"
        case .connectionMisconfigured, .platformUnavailable: "error_platform_unavailable"
        case .platformRejected: "error_platform_rejected"
        }
    }

    public var description: String {
        switch self {
        case .insufficientFreeMargin(let a): "insufficient free margin (available \(a))"
        case .connectionMisconfigured(let m): "connection misconfigured: \(m)"
        case .platformUnavailable(let m): "platform unavailable: \(m)"
        case .platformRejected(let m): "platform rejected: \(m)"
        default: publicMessage
        }
    }

    /// The user-facing error for a platform failure.
    public static func from(_ error: PlatformError) -> TradingError {
        switch error {
        case .rejected(let code, let message): .platformRejected("\(code) \(message)")
        case .notFound(let m): .platformRejected(m)
        default: .platformUnavailable(error.description)
        }
    }
}

public struct TradingAccountRecord: Sendable, Equatable {
    public let id: UUID
    public let userID: UUID
    public let connectionID: String
    public let login: String
    public let kind: String
    public let accountType: String
    public let group: String
    public let currency: Currency
    public let leverage: Int
    public let access: AccessLevel
    public let lastState: AccountState?
    public let stateAt: Date?
    public let createdAt: Date

    public var isLive: Bool { kind == "live" }

    static let columns = """
        id, user_id, connection_id, login, kind, account_type, platform_group, currency, leverage, access,
        last_balance, last_equity, last_margin, last_free_margin, last_margin_level_bp, state_at, created_at
        """

    static func decode(_ row: PostgresRow, in tx: TenantTransaction) throws -> TradingAccountRecord {
        let (id, user, conn, login, kind, type, group, cur, lev, access) =
            try row.decode((UUID, UUID, String, String, String, String, String, String, Int, String).self)
        let cols = row.makeRandomAccess()
        let balance = try cols[10].decode(Int64?.self)
        let state: AccountState? = try balance.map { b in
            AccountState(balance: b, credit: 0, equity: try cols[11].decode(Int64?.self) ?? b, margin: try cols[12].decode(Int64?.self) ?? 0,
                         freeMargin: try cols[13].decode(Int64?.self) ?? b, marginLevelBasisPoints: try cols[14].decode(Int64?.self))
        }
        return TradingAccountRecord(id: id, userID: user, connectionID: conn, login: login, kind: kind, accountType: type, group: group,
                                    currency: try tx.stored(cur, kind: "currency", table: "trading_accounts", id: id, Currency.init),
                                    leverage: lev,
                                    access: try tx.stored(access, kind: "access_level", table: "trading_accounts", id: id, AccessLevel.init(rawValue:)),
                                    lastState: state, stateAt: try cols[15].decode(Date?.self), createdAt: try cols[16].decode(Date.self))
    }

    /// `SELECT <columns> FROM trading_accounts`, to be followed by a WHERE clause.
    static let select = "SELECT \(columns) FROM trading_accounts"

    static func all(_ query: PostgresQuery, in tx: TenantTransaction) async throws -> [TradingAccountRecord] {
        var out: [TradingAccountRecord] = []
        for try await row in try await tx.query(query) {
            out.append(try decode(row, in: tx))
        }
        return out
    }
}

public enum TransferDirection: String, Sendable {
    case toAccount = "to_account"
    case toWallet = "to_wallet"
}

public enum TransferState: String, Sendable {
    case pending, unknown, posted, voided
}

public struct TradingTransfer: Sendable, Equatable {
    public let id: UUID
    public let userID: UUID
    public let accountID: UUID
    public let direction: TransferDirection
    public let currency: Currency
    public let amount: Int64
    public let state: TransferState
    public let reference: String
    public let platformTicket: String?
    public let attempts: Int
    public let lastError: String
    public let createdAt: Date

    static let columns = "id, user_id, account_id, direction, currency, amount, state, reference, platform_ticket, attempts, last_error, created_at"

    static let select = "SELECT \(columns) FROM trading_transfers"

    static func all(_ query: PostgresQuery, in tx: TenantTransaction) async throws -> [TradingTransfer] {
        var out: [TradingTransfer] = []
        for try await row in try await tx.query(query) {
            let (id, user, account, dir, cur, amount, state, ref, ticket, attempts, error, at) =
                try row.decode((UUID, UUID, UUID, String, String, Int64, String, String, String?, Int, String, Date).self)
            out.append(TradingTransfer(id: id, userID: user, accountID: account,
                                       direction: try tx.stored(dir, kind: "transfer_direction", table: "trading_transfers", id: id, TransferDirection.init(rawValue:)),
                                       currency: try tx.stored(cur, kind: "currency", table: "trading_transfers", id: id, Currency.init), amount: amount,
                                       state: try tx.stored(state, kind: "transfer_state", table: "trading_transfers", id: id, TransferState.init(rawValue:)),
                                       reference: ref, platformTicket: ticket, attempts: attempts, lastError: error, createdAt: at))
        }
        return out
    }
}

public struct LeverageRequest: Sendable, Equatable {
    public let id: UUID
    public let accountID: UUID
    public let userID: UUID
    public let login: String
    public let fromLeverage: Int
    public let toLeverage: Int
    public let status: String
    public let note: String
    public let createdAt: Date
}
