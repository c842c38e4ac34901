import AtriumBrandConfig
import AtriumCore
import AtriumIdentity
import AtriumLedger
import AtriumStorage
import AtriumTenancy
import AtriumTrading
import Foundation
import Hummingbird

/// Trader's Room trading accounts: list with live figures, open (live after KYC, or demo),
/// transfers between wallet and account, leverage changes, positions and trade history.
struct TradingRoutes: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }
    var trading: Trading { services.trading }

    func register(on router: Router<BrandRequestContext>) {
        let traders = router.traders(services)
        traders.get("/accounts") { req, ctx in try await list(req, ctx) }
        traders.get("/accounts/open") { req, ctx in try await openForm(req, ctx) }
        traders.post("/accounts/open") { req, ctx in try await open(req, ctx) }
        traders.get("/accounts/:id") { req, ctx in try await detail(req, ctx) }
        traders.post("/accounts/:id/transfer") { req, ctx in try await transfer(req, ctx) }
        traders.post("/accounts/:id/leverage") { req, ctx in try await leverage(req, ctx) }
    }

    struct Trader: Sendable {
        let tenant: TenantRecord
        let brand: TenantConfig
        let user: SessionUser
        let kycStatus: String

        var client: TradingClient { TradingClient(id: user.id, email: user.email, name: user.name, kycApproved: kycStatus == "approved") }

        /// The signed-in trader of the request and their KYC status (read by `TraderSession`).
        init(_ ctx: TraderRequestContext) {
            (tenant, brand, user, kycStatus) = (ctx.tenant, ctx.brand, ctx.trader.user, ctx.trader.profile.kycStatus)
        }
    }

    static func money(_ minor: Int64?, _ currency: Currency) -> String {
        minor.map { Money(minor: $0, currency: currency).amountText } ?? "—"
    }

    static func marginLevel(_ bp: Int64?) -> String {
        bp.map { Money.format($0, exponent: 2) + " %" } ?? "—"
    }

    static func lots(_ volume: Int64) -> String { Money.format(volume, exponent: 4).replacingOccurrences(of: #"(\.\d\d)00$"#, with: "$1", options: .regularExpression) }

    func accountView(_ a: TradingAccountRecord, state: AccountState?, t: [String: String]) -> [String: Any] {
        let s = state ?? a.lastState
        return [
            "id": a.id.uuidString.lowercased(), "login": a.login, "server": a.connectionID, "type": a.accountType, "group": a.group, "kind": a.kind,
            "kindLabel": t["trading_kind_\(a.kind)"] ?? a.kind, "isLive": a.isLive, "currency": a.currency.code, "leverage": "1:\(a.leverage)",
            "access": a.access.rawValue, "accessLabel": t["trading_access_\(a.access.rawValue)"] ?? a.access.rawValue,
            "balance": Self.money(s?.balance, a.currency), "equity": Self.money(s?.equity, a.currency), "margin": Self.money(s?.margin, a.currency),
            "freeMargin": Self.money(s?.freeMargin, a.currency), "marginLevel": Self.marginLevel(s?.marginLevelBasisPoints),
            "live": state != nil, "stale": state == nil && a.lastState != nil,
        ]
    }

    func list(_ req: Request, _ ctx: TraderRequestContext) async throws -> Response {
        let tr = Trader(ctx)
        let t = pages.strings(req, ctx)
        let live = try await trading.liveAccounts(tenant: tr.tenant.handle, brand: tr.brand, user: tr.user.id)
        var extra: [String: Any] = [
            "user": ["name": tr.user.name, "email": tr.user.email],
            "accounts": live.map { accountView($0.account, state: $0.state, t: t) },
            "hasPlatforms": !(tr.brand.platforms ?? []).isEmpty,
        ]
        if live.contains(where: { $0.error != nil }) { extra["error"] = t["error_platform_unavailable"] ?? "" }
        if let opened = req.uri.queryParameters.get("done") { extra["notice"] = t["notice_\(opened)"] ?? "" }
        return try pages.render("trader/accounts", title: "title_accounts", request: req, context: ctx, extra: extra)
    }

    func openContext(_ tr: Trader, t: [String: String], form: [String: String] = [:]) -> [String: Any] {
        var types: [[String: Any]] = []
        var leverages: Set<Int> = []
        for c in services.trading.directory.connections(tr.brand) {
            for at in c.config.accountTypes ?? [] {
                let value = "\(c.id)/\(at.id)"
                types.append(["value": value, "label": "\(t["trading_type_\(at.id)"] ?? at.id) · \(at.currency) · \(c.id)",
                              "leverages": at.leverages.map { "1:\($0)" }.joined(separator: ", "), "selected": form["type"] == value])
                leverages.formUnion(at.leverages)
            }
        }
        let approved = tr.kycStatus == "approved"
        return [
            "user": ["name": tr.user.name, "email": tr.user.email], "types": types,
            "leverages": leverages.sorted().map { ["value": $0, "label": "1:\($0)", "selected": form["leverage"] == String($0)] as [String: Any] },
            "kycApproved": approved, "liveChecked": approved && form["kind"] != "demo", "demoChecked": !approved || form["kind"] == "demo",
            "idem": Token.random(bytes: 16),
        ]
    }

    func openForm(_ req: Request, _ ctx: TraderRequestContext) async throws -> Response {
        let tr = Trader(ctx)
        return try pages.render("trader/account-open", title: "title_account_open", request: req, context: ctx, extra: openContext(tr, t: pages.strings(req, ctx)))
    }

    func open(_ req: Request, _ ctx: TraderRequestContext) async throws -> Response {
        let tr = Trader(ctx)
        let t = pages.strings(req, ctx)
        var form: [String: String] = [:]
        do {
            form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            let type = try Forms.required(form, "type", max: 100, strings: t).split(separator: "/", maxSplits: 1).map(String.init)
            guard type.count == 2 else { throw TradingError.unknownAccountType }
            guard let leverage = Int(try Forms.required(form, "leverage", max: 10, strings: t)) else { throw TradingError.leverageNotOffered }
            let kind = try Forms.required(form, "kind", max: 10, strings: t)
            guard kind == "live" || kind == "demo" else { throw InputError(field: t["field_account_kind"] ?? "kind", reason: "live or demo") }
            let key = try Forms.required(form, "idem", max: 64, strings: t)
            let opened = try await trading.openAccount(tenant: tr.tenant.handle, brand: tr.brand, client: tr.client, connectionID: type[0],
                                                       accountTypeID: type[1], live: kind == "live", leverage: leverage, idempotencyKey: key)
            guard let password = opened.password else {
                return Responses.seeOther("/accounts/\(opened.account.id.uuidString.lowercased())")
            }
            // The only time the password exists outside the platform: never cached, never stored.
            var response = try pages.render("trader/account-created", title: "title_account_created", request: req, context: ctx, extra: [
                "user": ["name": tr.user.name, "email": tr.user.email],
                "account": accountView(opened.account, state: nil, t: t), "password": password, "investorPassword": opened.investorPassword ?? "",
            ])
            response.headers[.cacheControl] = "no-store"
            return response
        } catch {
            return try pages.rejected(error, template: "trader/account-open", title: "title_account_open", request: req, context: ctx,
                                      extra: openContext(tr, t: t, form: form))
        }
    }

    func accountID(_ ctx: TraderRequestContext) throws -> UUID {
        guard let id = UUID(uuidString: ctx.parameters.get("id") ?? "") else { throw TradingError.notFound }
        return id
    }

    func detailContext(_ tr: Trader, id: UUID, t: [String: String]) async throws -> [String: Any] {
        let account = try await trading.account(tenant: tr.tenant.handle, id: id, user: tr.user.id)
        var state: AccountState?
        var positions: [OpenPosition] = []
        var unavailable = false
        do {
            let p = try trading.directory.platform(tr.brand, connection: account.connectionID)
            let live = try await p.state(login: account.login, currency: account.currency)
            state = live
            try await trading.remember(tenant: tr.tenant.handle, [(account.id, live)])
            positions = try await p.positions(login: account.login, currency: account.currency)
        } catch {
            unavailable = true
        }
        let (trades, transfers, wallet) = try await trading.activity(tenant: tr.tenant.handle, account: account)
        let type = trading.directory.connection(tr.brand, id: account.connectionID)?.accountType(account.accountType)
        var extra: [String: Any] = [
            "user": ["name": tr.user.name, "email": tr.user.email],
            "account": accountView(account, state: state, t: t),
            "walletAvailable": Self.money(wallet.available, account.currency),
            "positions": positions.map { p in
                ["symbol": p.symbol, "side": t["trade_side_\(p.side.rawValue)"] ?? p.side.rawValue, "volume": Self.lots(p.volume), "open": p.openPrice,
                 "current": p.currentPrice, "profit": Self.money(p.profit, account.currency), "loss": p.profit < 0]
            },
            "trades": trades.map { d in
                ["ticket": d.ticket, "symbol": d.symbol, "side": t["trade_side_\(d.side.rawValue)"] ?? d.side.rawValue, "volume": Self.lots(d.volume),
                 "open": d.openPrice, "close": d.closePrice, "profit": Self.money(d.profit, account.currency), "loss": d.profit < 0,
                 "commission": Self.money(d.commission, account.currency), "swap": Self.money(d.swap, account.currency),
                 "closed": d.closeTime.formatted(.iso8601)] as [String: Any]
            },
            "transfers": transfers.map { x in
                ["reference": x.reference, "direction": t["transfer_\(x.direction.rawValue)"] ?? x.direction.rawValue,
                 "amount": Self.money(x.amount, x.currency), "state": x.state.rawValue, "stateLabel": t["transfer_state_\(x.state.rawValue)"] ?? x.state.rawValue,
                 "created": x.createdAt.formatted(.iso8601)]
            },
            "leverages": (type?.leverages ?? []).map { ["value": $0, "label": "1:\($0)", "selected": $0 == account.leverage] as [String: Any] },
            "autoLeverage": type.map { "1:\($0.autoLeverageLimit)" } ?? "",
            "canTransfer": account.isLive && account.access != .disabled,
            "idem": Token.random(bytes: 16),
        ]
        if unavailable { extra["error"] = t["error_platform_unavailable"] ?? "" }
        return extra
    }

    func detail(_ req: Request, _ ctx: TraderRequestContext) async throws -> Response {
        let tr = Trader(ctx)
        let t = pages.strings(req, ctx)
        var extra = try await detailContext(tr, id: try accountID(ctx), t: t)
        if let done = req.uri.queryParameters.get("done") { extra["notice"] = t["notice_\(done)"] ?? "" }
        return try pages.render("trader/account", title: "title_account", request: req, context: ctx, extra: extra)
    }

    /// Runs a form post on one account; re-renders the account page with the error otherwise.
    func accountPost(_ req: Request, _ ctx: TraderRequestContext, perform: (Trader, UUID, [String: String], [String: String]) async throws -> String) async throws -> Response {
        let tr = Trader(ctx)
        let t = pages.strings(req, ctx)
        let id = try accountID(ctx)
        do {
            let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            return Responses.seeOther(try await perform(tr, id, form, t))
        } catch let error as any UserFacingError {
            var extra = try await detailContext(tr, id: id, t: t)
            extra["error"] = t[error.publicMessage] ?? error.publicMessage
            return try pages.render("trader/account", title: "title_account", request: req, context: ctx, extra: extra, status: HTTPResponse.Status(code: error.status))
        }
    }

    func transfer(_ req: Request, _ ctx: TraderRequestContext) async throws -> Response {
        try await accountPost(req, ctx) { tr, id, form, t in
            let account = try await trading.account(tenant: tr.tenant.handle, id: id, user: tr.user.id)
            guard let direction = TransferDirection(rawValue: form["direction"] ?? "") else {
                throw InputError(field: t["field_direction"] ?? "direction", reason: t["error_direction"] ?? "choose to the account or to the wallet")
            }
            let money = try Money.parse(form["amount"] ?? "", currency: account.currency, field: t["field_amount"] ?? "amount")
            guard money.minor > 0 else { throw InputError(field: t["field_amount"] ?? "amount", reason: t["error_amount_positive"] ?? "must be more than zero") }
            let key = try Forms.required(form, "idem", max: 64, strings: t)
            let x = try await trading.transfer(tenant: tr.tenant.handle, brand: tr.brand, client: tr.client, accountID: id, direction: direction,
                                               amount: money.minor, idempotencyKey: key)
            let done = switch x.state { case .posted: "transfer_done"; case .voided: "transfer_failed"; default: "transfer_processing" }
            return "/accounts/\(id.uuidString.lowercased())?done=\(done)"
        }
    }

    func leverage(_ req: Request, _ ctx: TraderRequestContext) async throws -> Response {
        try await accountPost(req, ctx) { tr, id, form, t in
            guard let value = Int(try Forms.required(form, "leverage", max: 10, strings: t)) else { throw TradingError.leverageNotOffered }
            let outcome = try await trading.requestLeverage(tenant: tr.tenant.handle, brand: tr.brand, client: tr.client, accountID: id, leverage: value)
            let done = if case .applied = outcome { "leverage_applied" } else { "leverage_review" }
            return "/accounts/\(id.uuidString.lowercased())?done=\(done)"
        }
    }
}
