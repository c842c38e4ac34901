import AtriumCore
import AtriumIdentity
import AtriumLedger
import AtriumStorage
import AtriumTenancy
import AtriumTrading
import Foundation
import Hummingbird

/// Back Office trading screens (permission `trading.manage`): platform connections with health
/// and sync lag, leverage requests, open transfers, reconciliation, a client's accounts, and
/// access changes read back from the platform.
struct TradingAdminRoutes: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }
    var trading: Trading { services.trading }

    func register(on router: Router<BrandRequestContext>) {
        let group = router.staff("/admin/trading", .tradingManage, services: services)
        group.get("") { req, ctx in try await overview(req, ctx) }
        group.post("/reconcile") { req, ctx in try await reconcile(req, ctx) }
        group.post("/leverage/:id/:decision") { req, ctx in try await decideLeverage(req, ctx) }
        group.get("/clients/:id") { req, ctx in try await client(req, ctx) }
        group.get("/accounts/:id") { req, ctx in try await account(req, ctx) }
        group.post("/accounts/:id/access") { req, ctx in try await access(req, ctx) }
    }

    func render(_ template: String, _ title: String, _ req: Request, _ ctx: StaffRequestContext, _ extra: [String: Any],
                status: HTTPResponse.Status = .ok) throws -> Response {
        let staff = RequirePermission.pageContext(ctx.staff)
        return try pages.render(template, title: title, request: req, context: ctx, extra: staff.merging(extra) { _, new in new }, status: status)
    }


    func overview(_ req: Request, _ ctx: StaffRequestContext, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let brand = ctx.tenant.config else { throw HTTPError(.notFound) }
        let t = pages.strings(req, ctx)
        let syncs = Dictionary(try await trading.syncStatus(tenant: ctx.tenant.handle).map { ($0.connectionID, $0) }, uniquingKeysWith: { a, _ in a })
        let connections = trading.directory.connections(brand)
        // Health is probed live, concurrently, with the connection's own timeout.
        let health = await withTaskGroup(of: (String, String).self) { group in
            for c in connections {
                group.addTask {
                    do {
                        try await trading.directory.platform(brand.slug.value, c).ping()
                        return (c.id, "ok")
                    } catch let e as PlatformError {
                        return (c.id, e.kind)
                    } catch let e as TradingError {
                        if case .connectionMisconfigured = e { return (c.id, "misconfigured") }
                        return (c.id, "error")
                    } catch {
                        return (c.id, "error")
                    }
                }
            }
            var out: [String: String] = [:]
            for await (id, h) in group { out[id] = h }
            return out
        }
        let now = Date()
        let requests = try await trading.leverageRequests(tenant: ctx.tenant.handle)
        let open = try await trading.openTransfers(tenant: ctx.tenant.handle, olderThan: 0)
        let report = try await trading.lastReconciliation(tenant: ctx.tenant.handle)
        var extra: [String: Any] = [
            "connections": connections.map { c in
                let s = syncs[c.id]
                let h = health[c.id] ?? "error"
                return [
                    "id": c.id, "type": c.config.type, "endpoint": c.endpoint, "health": h, "healthOK": h == "ok",
                    "healthLabel": t["platform_health_\(h)"] ?? h, "problems": c.problems.joined(separator: "; "),
                    "syncStatus": s?.status ?? "never", "syncLabel": t["sync_status_\(s?.status ?? "never")"] ?? (s?.status ?? "never"),
                    "lag": s?.lagSeconds(now: now).map { "\($0) s" } ?? "—", "deals": s?.dealsIngested ?? 0,
                    "unmapped": s?.unmappedDeals ?? 0, "hasUnmapped": (s?.unmappedDeals ?? 0) > 0,
                    "lastSuccess": s?.lastSuccessAt.map { $0.formatted(.iso8601) } ?? "—", "lastError": s?.lastError ?? "",
                ] as [String: Any]
            },
            "requests": requests.map { r in
                ["id": r.id.uuidString.lowercased(), "login": r.login, "from": "1:\(r.fromLeverage)", "to": "1:\(r.toLeverage)",
                 "client": r.userID.uuidString.lowercased(), "created": r.createdAt.formatted(.iso8601)]
            },
            "openTransfers": open.map { x in
                ["reference": x.reference, "amount": Money(minor: x.amount, currency: x.currency).amountText, "currency": x.currency.code,
                 "state": x.state.rawValue, "error": x.lastError, "created": x.createdAt.formatted(.iso8601)]
            },
            "hasReport": report != nil,
        ]
        if let report {
            extra["report"] = [
                "at": report.at.formatted(.iso8601), "accounts": report.accounts, "matched": report.matched,
                "balanced": report.differences.isEmpty, "unchecked": report.unchecked,
                "differences": report.differences.map { d in
                    ["connection": d.connection, "login": d.login, "amount": Money.format(d.difference, exponent: Currency(d.currency)?.exponent ?? 2),
                     "currency": d.currency, "cause": d.cause, "references": d.references.joined(separator: ", ")]
                },
            ] as [String: Any]
        }
        if let error { extra["error"] = error }
        if let done = req.uri.queryParameters.get("done") { extra["notice"] = t["notice_\(done)"] ?? "" }
        return try render("admin/trading", "title_admin_trading", req, ctx, extra, status: status)
    }

    func reconcile(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        guard let brand = ctx.tenant.config else { throw HTTPError(.notFound) }
        _ = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: pages.strings(req, ctx))
        _ = try await trading.reconcile(tenant: ctx.tenant.handle, brand: brand)
        return Responses.seeOther("/admin/trading?done=reconciled")
    }

    func decideLeverage(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        guard let brand = ctx.tenant.config else { throw HTTPError(.notFound) }
        let t = pages.strings(req, ctx)
        do {
            let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            let id = try pathID(ctx)
            let approve = ctx.parameters.get("decision") == "approve"
            try await trading.decideLeverage(tenant: ctx.tenant.handle, brand: brand, requestID: id, approve: approve,
                                             staff: ctx.staff.actor, note: String((form["note"] ?? "").prefix(500)))
            return Responses.seeOther("/admin/trading?done=\(approve ? "leverage_approved" : "leverage_rejected")")
        } catch let error as any UserFacingError {
            return try await overview(req, ctx, error: t[error.publicMessage] ?? error.publicMessage, status: HTTPResponse.Status(code: error.status))
        }
    }

    func client(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        guard let id = UUID(uuidString: ctx.parameters.get("id") ?? ""),
              let email = try await services.tenantDB.transaction(ctx.tenant.handle, { tx in
                  try await tx.query("SELECT email FROM users WHERE id = \(id) AND audience = 'trader'").collect().first?.decode(String.self)
              }) else {
            throw RequestRejected(status: 404, publicMessage: "error_client_not_found")
        }
        let accounts = try await trading.accounts(tenant: ctx.tenant.handle, user: id)
        let routes = TradingRoutes(services: services)
        return try render("admin/trading-client", "title_admin_trading_client", req, ctx, [
            "client": ["email": email, "id": id.uuidString.lowercased()],
            "accounts": accounts.map { routes.accountView($0, state: nil, t: t) },
        ])
    }

    func account(_ req: Request, _ ctx: StaffRequestContext, change: AccessChange? = nil, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let brand = ctx.tenant.config else { throw HTTPError(.notFound) }
        let t = pages.strings(req, ctx)
        let id = try pathID(ctx)
        var extra: [String: Any] = [:]
        let record: TradingAccountRecord
        do {
            let (a, info) = try await trading.verifyAccount(tenant: ctx.tenant.handle, brand: brand, accountID: id)
            record = a
            extra["platform"] = ["group": info.group, "leverage": "1:\(info.leverage)", "access": info.access.rawValue,
                                 "accessLabel": t["trading_access_\(info.access.rawValue)"] ?? info.access.rawValue]
            var differences: [String] = []
            if info.group != a.group { differences.append("group: \(a.group) / \(info.group)") }
            if info.leverage != a.leverage { differences.append("leverage: 1:\(a.leverage) / 1:\(info.leverage)") }
            if info.access != a.access { differences.append("access: \(a.access.rawValue) / \(info.access.rawValue)") }
            extra["differences"] = differences
            extra["hasDifferences"] = !differences.isEmpty
        } catch let e as TradingError where e.status == 503 || e.status == 422 {
            record = try await trading.account(tenant: ctx.tenant.handle, id: id)
            extra["error"] = t[e.publicMessage] ?? e.publicMessage
        }
        extra["account"] = TradingRoutes(services: services).accountView(record, state: nil, t: t)
        extra["clientId"] = record.userID.uuidString.lowercased()
        extra["accessOptions"] = AccessLevel.allCases.map { ["value": $0.rawValue, "label": t["trading_access_\($0.rawValue)"] ?? $0.rawValue, "selected": $0 == record.access] as [String: Any] }
        if let change {
            extra["change"] = ["requested": t["trading_access_\(change.requested.rawValue)"] ?? change.requested.rawValue,
                               "readBack": t["trading_access_\(change.readBack.rawValue)"] ?? change.readBack.rawValue, "verified": change.verified]
        }
        if let error { extra["error"] = error }
        return try render("admin/trading-account", "title_admin_trading_account", req, ctx, extra, status: status)
    }

    /// The account or leverage request named in the path; a malformed id is the same 404 as an unknown one.
    private func pathID(_ ctx: StaffRequestContext) throws -> UUID {
        guard let id = UUID(uuidString: ctx.parameters.get("id") ?? "") else { throw TradingError.notFound }
        return id
    }

    func access(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        guard let brand = ctx.tenant.config else { throw HTTPError(.notFound) }
        let t = pages.strings(req, ctx)
        do {
            let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            let id = try pathID(ctx)
            guard let level = AccessLevel(rawValue: form["access"] ?? "") else {
                throw InputError(field: t["field_access"] ?? "access", reason: "enabled, read_only or disabled")
            }
            let change = try await trading.setAccess(tenant: ctx.tenant.handle, brand: brand, accountID: id, access: level,
                                                     staff: ctx.staff.actor)
            return try await account(req, ctx, change: change)
        } catch let error as any UserFacingError {
            return try await account(req, ctx, error: t[error.publicMessage] ?? error.publicMessage, status: HTTPResponse.Status(code: error.status))
        }
    }
}
