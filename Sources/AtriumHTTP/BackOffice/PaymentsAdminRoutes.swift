import AtriumCompliance
import AtriumCore
import AtriumIdentity
import AtriumLedger
import AtriumPayments
import AtriumStorage
import Foundation
import Hummingbird

/// Back Office finance screens: withdrawals queue, deposits (bank wire confirmation), a client's
/// ledger, PSP health and the per-PSP reconciliation report.
struct PaymentsAdminRoutes: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }
    var payments: Payments { services.payments }

    func register(on router: Router<BrandRequestContext>) {
        let finance = router.staff("/admin", .financeView, services: services)
        finance.get("/payments/withdrawals") { req, ctx in try await withdrawals(req, ctx) }
        finance.get("/payments/deposits") { req, ctx in try await deposits(req, ctx) }
        finance.get("/payments/psps") { req, ctx in try await psps(req, ctx) }
        finance.get("/payments/reconciliation") { req, ctx in try await reconciliation(req, ctx) }
        finance.get("/clients/:id/ledger") { req, ctx in try await clientLedger(req, ctx) }
        router.staff("/admin", .withdrawalsApprove, services: services)
            .post("/payments/:id/approve") { req, ctx in try await decide(req, ctx, approve: true) }
            .post("/payments/:id/reject") { req, ctx in try await decide(req, ctx, approve: false) }
        router.staff("/admin", .depositsConfirm, services: services)
            .post("/payments/:id/confirm") { req, ctx in try await confirm(req, ctx) }
    }

    func staffContext(_ ctx: StaffRequestContext) -> [String: Any] {
        RequirePermission.pageContext(ctx.staff)
    }

    func render(_ template: String, _ title: String, _ req: Request, _ ctx: StaffRequestContext, _ extra: [String: Any],
                status: HTTPResponse.Status = .ok) throws -> Response {
        try pages.render(template, title: title, request: req, context: ctx, extra: staffContext(ctx).merging(extra) { _, new in new }, status: status)
    }

    func withdrawals(_ req: Request, _ ctx: StaffRequestContext, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let tenant = ctx.tenant
        let t = pages.strings(req, ctx)
        let open = try await payments.list(tenant: tenant.handle, kind: .withdrawal, statuses: [.review, .approved, .processing])
        let done = try await payments.list(tenant: tenant.handle, kind: .withdrawal, statuses: [.paid, .rejected, .failed], limit: 50)
        // Finance sees which clients are frozen: their withdrawals cannot be approved.
        let frozen = try await services.tenantDB.transaction(tenant.handle) { tx in try await AccountFreezes.frozen(among: open.map(\.userID), in: tx) }
        var extra: [String: Any] = ["queue": open.map { WalletRoutes.view($0, t: t).merging(["frozen": frozen.contains($0.userID)]) { _, new in new } },
                                    "recent": done.map { WalletRoutes.view($0, t: t) }]
        if let error { extra["error"] = error }
        if let notice = req.uri.queryParameters.get("done") { extra["notice"] = t["notice_\(notice)"] ?? "" }
        return try render("admin/withdrawals", "title_admin_withdrawals", req, ctx, extra, status: status)
    }

    func deposits(_ req: Request, _ ctx: StaffRequestContext, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let tenant = ctx.tenant
        let t = pages.strings(req, ctx)
        let list = try await payments.list(tenant: tenant.handle, kind: .deposit, limit: 200)
        var extra: [String: Any] = ["deposits": list.map { WalletRoutes.view($0, t: t) }]
        if let error { extra["error"] = error }
        if let notice = req.uri.queryParameters.get("done") { extra["notice"] = t["notice_\(notice)"] ?? "" }
        return try render("admin/deposits", "title_admin_deposits", req, ctx, extra, status: status)
    }

    func paymentID(_ ctx: StaffRequestContext) throws -> UUID {
        guard let id = UUID(uuidString: ctx.parameters.get("id") ?? "") else { throw RequestRejected(status: 404, publicMessage: "error_payment_not_found") }
        return id
    }

    func decide(_ req: Request, _ ctx: StaffRequestContext, approve: Bool) async throws -> Response {
        let (tenant, staff) = (ctx.tenant, ctx.staff)
        let t = pages.strings(req, ctx)
        do {
            let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            let id = try paymentID(ctx)
            if approve {
                let p = try await payments.approveWithdrawal(tenant: tenant.handle, payment: id, staff: staff.user.id, requestID: ctx.requestID)
                return Responses.seeOther("/admin/payments/withdrawals?done=\(p.status == .approved ? "withdrawal_approved" : "approval_recorded")")
            }
            let reason = try Forms.required(form, "reason", max: 500, strings: t)
            try await payments.rejectWithdrawal(tenant: tenant.handle, payment: id, staff: staff.user.id, reason: reason)
            return Responses.seeOther("/admin/payments/withdrawals?done=withdrawal_rejected")
        } catch let error as any UserFacingError {
            return try await withdrawals(req, ctx, error: t[error.publicMessage] ?? error.publicMessage, status: HTTPResponse.Status(code: error.status))
        }
    }

    func confirm(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let (tenant, staff) = (ctx.tenant, ctx.staff)
        guard let brand = tenant.config else { throw HTTPError(.notFound) }
        let t = pages.strings(req, ctx)
        do {
            let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            let id = try paymentID(ctx)
            var received: Int64?
            if let text = form["received"], !text.trimmingCharacters(in: .whitespaces).isEmpty {
                guard let (p, _) = try await payments.payment(tenant: tenant.handle, id: id) else { throw PaymentError.notFound }
                received = try Money.parse(text, currency: p.currency, field: t["field_received"] ?? "received").minor
            }
            let p = try await payments.confirmBankWire(tenant: tenant.handle, brand: brand, payment: id, staff: staff.user.id, received: received)
            return Responses.seeOther("/admin/payments/deposits?done=\(p.status == .succeeded ? "deposit_credited" : "confirmation_recorded")")
        } catch let error as any UserFacingError {
            return try await deposits(req, ctx, error: t[error.publicMessage] ?? error.publicMessage, status: HTTPResponse.Status(code: error.status))
        }
    }

    func psps(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let tenant = ctx.tenant
        guard let brand = tenant.config else { throw HTTPError(.notFound) }
        let t = pages.strings(req, ctx)
        let health = try await payments.health(tenant: tenant.handle, brand: brand)
        return try render("admin/psps", "title_admin_psps", req, ctx, ["psps": health.map { h in
            [
                "id": h.psp.id, "type": t["psp_type_\(h.psp.type)"] ?? h.psp.type, "configured": h.psp.isConfigured,
                "problems": h.psp.problems, "state": h.breaker.rawValue, "stateLabel": t["breaker_\(h.breaker.rawValue)"] ?? h.breaker.rawValue,
                "stateOK": h.breaker == .closed, "attempts": h.attempts, "successRate": h.successRate.map { "\($0)%" } ?? "—",
                "latency": h.attempts == 0 ? "—" : "\(h.averageLatencyMs) ms", "lastError": h.lastError,
                "currencies": h.psp.config.currencies.joined(separator: ", "), "priority": h.psp.config.priority ?? 100,
            ] as [String: Any]
        }])
    }

    func reconciliation(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let tenant = ctx.tenant
        guard let brand = tenant.config else { throw HTTPError(.notFound) }
        var reports: [[String: Any]] = []
        for psp in payments.psps(brand) {
            let r = try await payments.reconciliation(tenant: tenant.handle, pspID: psp.id)
            reports.append([
                "psp": psp.id, "manual": psp.type == "bank_wire", "pspCount": r.pspCount, "pspTotal": Money.format(r.pspTotal, exponent: 2),
                "ledgerCount": r.ledgerCount, "ledgerTotal": Money.format(r.ledgerTotal, exponent: 2), "unprocessed": r.unprocessed,
                "rejected": r.rejected, "duplicates": r.duplicates, "balanced": r.mismatches.isEmpty && r.unprocessed == 0,
                "hasMismatches": !r.mismatches.isEmpty,
                "mismatches": r.mismatches.map { ReconciliationView.line($0, t: pages.strings(req, ctx)) },
            ])
        }
        return try render("admin/reconciliation", "title_admin_reconciliation", req, ctx, ["reports": reports])
    }

    func clientLedger(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let tenant = ctx.tenant
        guard let id = UUID(uuidString: ctx.parameters.get("id") ?? ""),
              let (email, wallets) = try await payments.clientLedger(tenant: tenant.handle, client: id) else {
            throw RequestRejected(status: 404, publicMessage: "error_client_not_found")
        }
        let formatter = ISO8601DateFormatter()
        let freeze = try await services.tenantDB.transaction(tenant.handle) { tx in try await AccountFreezes.active(id, in: tx) }
        return try render("admin/client-ledger", "title_admin_client_ledger", req, ctx, [
            "client": ["email": email, "id": id.uuidString.lowercased()],
            "frozen": freeze.map { ["reason": $0.reason, "at": formatter.string(from: $0.frozenAt)] as Any } ?? false,
            "wallets": wallets.map { (w, entries) in
                [
                    "currency": w.currency.code, "balance": Money(minor: w.balance, currency: w.currency).amountText,
                    "available": Money(minor: w.available, currency: w.currency).amountText,
                    "held": Money(minor: w.debitsPending, currency: w.currency).amountText,
                    "entries": entries.map { e in
                        let incoming = e.creditAccountID == w.id
                        return ["at": formatter.string(from: e.createdAt), "code": e.code, "kind": e.kind.rawValue, "reference": e.reference,
                                "amount": (incoming ? "+" : "−") + Money(minor: e.amount, currency: w.currency).amountText,
                                "incoming": incoming] as [String: Any]
                    },
                ] as [String: Any]
            },
        ])
    }
}
