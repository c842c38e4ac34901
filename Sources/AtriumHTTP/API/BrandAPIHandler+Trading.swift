import AtriumBrandAPI
import AtriumLedger
import AtriumStorage
import AtriumTrading
import Foundation
import OpenAPIRuntime
import PostgresNIO

/// Trading accounts (list, get, open) and wallet ↔ account transfers, opened and moved through
/// `Trading.openAccount` and `Trading.transfer`, the Trader's Room's own paths.
extension BrandAPIHandler {
    static let accountColumns = """
        id, user_id, login, connection_id, kind, account_type, platform_group, currency, leverage, access, last_balance, last_equity, state_at, created_at
        """

    func listTradingAccounts(_ input: AtriumBrandAPI.Operations.ListTradingAccounts.Input) async throws -> AtriumBrandAPI.Operations.ListTradingAccounts.Output {
        let principal = try APIPrincipal.require(.tradingRead)
        let after = try APICursor.decode(input.query.cursor)
        let limit = try APICursor.limit(input.query.limit)
        let client = try Self.uuidFilter(input.query.clientId, "client_id")
        let rows = try await transaction(principal) { tx in
            try await tx.query("""
                SELECT \(unescaped: Self.accountColumns) FROM trading_accounts
                WHERE (\(client)::uuid IS NULL OR user_id = \(client))
                  AND (\(after)::uuid IS NULL OR (created_at, id) < (SELECT created_at, id FROM trading_accounts WHERE id = \(after)))
                ORDER BY created_at DESC, id DESC LIMIT \(limit + 1)
                """).collect().map(Self.account)
        }
        let (page, next) = Self.page(rows, limit: limit) { $0.0 }
        return .ok(.init(body: .json(.init(data: page.map(\.1), nextCursor: next))))
    }

    func getTradingAccount(_ input: AtriumBrandAPI.Operations.GetTradingAccount.Input) async throws -> AtriumBrandAPI.Operations.GetTradingAccount.Output {
        let principal = try APIPrincipal.require(.tradingRead)
        let id = try Self.uuid(input.path.accountId, "trading account")
        let account = try await transaction(principal) { tx in try await Self.account(id, in: tx) }
        guard let account else { throw APIProblem.notFound("trading account") }
        return .ok(.init(body: .json(account)))
    }

    func openTradingAccount(_ input: AtriumBrandAPI.Operations.OpenTradingAccount.Input) async throws -> AtriumBrandAPI.Operations.OpenTradingAccount.Output {
        let principal = try APIPrincipal.require(.tradingWrite)
        let brand = try Self.brand(principal)
        let id = try Self.uuid(input.path.clientId, "client")
        let body = switch input.body { case .json(let json): json }
        let client = try await tradingClient(principal, id)
        let opened = try await refusals {
            try await services.trading.openAccount(tenant: principal.tenant.handle, brand: brand, client: client, connectionID: body.server,
                                                   accountTypeID: body.accountType, live: body.kind == .live, leverage: body.leverage,
                                                   idempotencyKey: "api:" + input.headers.idempotencyKey)
        }
        let account = try await transaction(principal) { tx in try await Self.account(opened.account.id, in: tx) }
        guard let account else { throw APIProblem.notFound("trading account") }
        return .created(.init(body: .json(.init(account: account, password: opened.password, investorPassword: opened.investorPassword))))
    }

    func listTransfers(_ input: AtriumBrandAPI.Operations.ListTransfers.Input) async throws -> AtriumBrandAPI.Operations.ListTransfers.Output {
        let principal = try APIPrincipal.require(.tradingRead)
        let after = try APICursor.decode(input.query.cursor)
        let limit = try APICursor.limit(input.query.limit)
        let client = try Self.uuidFilter(input.query.clientId, "client_id")
        let rows = try await transaction(principal) { tx in
            try await tx.query("""
                SELECT id, user_id, account_id, direction, currency, amount, state, reference, created_at FROM trading_transfers
                WHERE (\(client)::uuid IS NULL OR user_id = \(client))
                  AND (\(after)::uuid IS NULL OR (created_at, id) < (SELECT created_at, id FROM trading_transfers WHERE id = \(after)))
                ORDER BY created_at DESC, id DESC LIMIT \(limit + 1)
                """).collect().map(Self.transfer)
        }
        let (page, next) = Self.page(rows, limit: limit) { $0.0 }
        return .ok(.init(body: .json(.init(data: page.map(\.1), nextCursor: next))))
    }

    func createTransfer(_ input: AtriumBrandAPI.Operations.CreateTransfer.Input) async throws -> AtriumBrandAPI.Operations.CreateTransfer.Output {
        let principal = try APIPrincipal.require(.tradingWrite)
        let brand = try Self.brand(principal)
        let id = try Self.uuid(input.path.clientId, "client")
        let body = switch input.body { case .json(let json): json }
        let client = try await tradingClient(principal, id)
        guard let accountID = UUID(uuidString: body.accountId) else { throw Self.field("/account_id", "is not a trading account of this client") }
        let code = try await transaction(principal) { tx in
            try await tx.query("SELECT currency FROM trading_accounts WHERE id = \(accountID) AND user_id = \(id)").collect().first?.decode(String.self)
        }
        guard let code else { throw Self.field("/account_id", "is not a trading account of this client") }
        let money = try await refusals { try Money.parse(body.amount, currency: try Self.currency(code), field: "/amount") }
        guard money.minor > 0 else { throw Self.field("/amount", "must be more than zero") }
        let direction: TransferDirection = body.direction == .toAccount ? .toAccount : .toWallet
        let transfer = try await refusals {
            try await services.trading.transfer(tenant: principal.tenant.handle, brand: brand, client: client, accountID: accountID, direction: direction,
                                                amount: money.minor, idempotencyKey: "api:" + input.headers.idempotencyKey)
        }
        let row = try await transaction(principal) { tx in
            try await tx.query("""
                SELECT id, user_id, account_id, direction, currency, amount, state, reference, created_at FROM trading_transfers WHERE id = \(transfer.id)
                """).collect().first.map(Self.transfer)
        }
        guard let row else { throw APIProblem.notFound("transfer") }
        return .created(.init(body: .json(row.1)))
    }

    /// The client as the trading service sees it (KYC approval gates live accounts); 404 outside this brand.
    func tradingClient(_ principal: APIPrincipal, _ id: UUID) async throws -> TradingClient {
        let row = try await transaction(principal) { tx in
            try await tx.query("SELECT email, name, kyc_status FROM users WHERE audience = 'trader' AND id = \(id)").collect().first?
                .decode((String, String, String).self)
        }
        guard let (email, name, kyc) = row else { throw APIProblem.notFound("client") }
        return TradingClient(id: id, email: email, name: name, kycApproved: kyc == "approved")
    }

    static func account(_ id: UUID, in tx: TenantTransaction) async throws -> AtriumBrandAPI.Components.Schemas.TradingAccount? {
        try await tx.query("SELECT \(unescaped: accountColumns) FROM trading_accounts WHERE id = \(id)").collect().first.map(account)?.1
    }

    static func account(_ row: PostgresRow) throws -> (UUID, AtriumBrandAPI.Components.Schemas.TradingAccount) {
        let (id, user, login, connection, kind, type, group, code, leverage) = try row.decode((UUID, UUID, String, String, String, String, String, String, Int).self)
        var it = row.makeIterator()
        for _ in 0..<9 { _ = it.next() }
        guard let c1 = it.next(), let c2 = it.next(), let c3 = it.next(), let c4 = it.next(), let c5 = it.next() else { throw StoredValueUnreadable(what: "account row") }
        let (access, balance, equity, stateAt, created) = (try c1.decode(String.self), try c2.decode(Int64?.self), try c3.decode(Int64?.self),
                                                           try c4.decode(Date?.self), try c5.decode(Date.self))
        let currency = try currency(code)
        return (id, .init(id: text(id), clientId: text(user), login: login, server: connection, kind: try value(kind), accountType: type, group: group,
                          currency: code, leverage: leverage, access: try value(access), balance: balance.map { money($0, currency) },
                          equity: equity.map { money($0, currency) }, stateAt: stateAt, createdAt: created))
    }

    static func transfer(_ row: PostgresRow) throws -> (UUID, AtriumBrandAPI.Components.Schemas.Transfer) {
        let (id, user, account, direction, code, amount, state, reference, created) = try row.decode((UUID, UUID, UUID, String, String, Int64, String, String, Date).self)
        return (id, .init(id: text(id), clientId: text(user), accountId: text(account), direction: try value(direction),
                          amount: money(amount, try currency(code)), state: try value(state), reference: reference, createdAt: created))
    }
}
