import AtriumBrandAPI
import AtriumLedger
import AtriumPayments
import AtriumStorage
import Foundation
import OpenAPIRuntime
import PostgresNIO

/// Payments: list and get, and withdrawal requests through `Payments.requestWithdrawal`, the
/// Trader's Room's own path (hold on the wallet, freezes, KYC and review rules, Finance approval).
extension BrandAPIHandler {
    static let paymentColumns = """
        p.id, p.user_id, p.kind, p.status, p.currency, p.amount, p.settled_amount, p.psp_id, p.reference, p.review_reasons,
        p.required_approvals, (SELECT count(*) FROM payment_approvals a WHERE a.payment_id = p.id)::int, p.failure_reason, p.created_at
        """

    func listPayments(_ input: AtriumBrandAPI.Operations.ListPayments.Input) async throws -> AtriumBrandAPI.Operations.ListPayments.Output {
        let principal = try APIPrincipal.require(.paymentsRead)
        let after = try APICursor.decode(input.query.cursor)
        let limit = try APICursor.limit(input.query.limit)
        let client = try Self.uuidFilter(input.query.clientId, "client_id")
        let (kind, status) = (input.query.kind?.rawValue, input.query.status?.rawValue)
        let rows = try await transaction(principal) { tx in
            try await tx.query("""
                SELECT \(unescaped: Self.paymentColumns) FROM payments p
                WHERE (\(client)::uuid IS NULL OR p.user_id = \(client)) AND (\(kind)::text IS NULL OR p.kind = \(kind))
                  AND (\(status)::text IS NULL OR p.status = \(status))
                  AND (\(after)::uuid IS NULL OR (p.created_at, p.id) < (SELECT created_at, id FROM payments WHERE id = \(after)))
                ORDER BY p.created_at DESC, p.id DESC LIMIT \(limit + 1)
                """).collect().map(Self.payment)
        }
        let (page, next) = Self.page(rows, limit: limit) { $0.0 }
        return .ok(.init(body: .json(.init(data: page.map(\.1), nextCursor: next))))
    }

    func getPayment(_ input: AtriumBrandAPI.Operations.GetPayment.Input) async throws -> AtriumBrandAPI.Operations.GetPayment.Output {
        let principal = try APIPrincipal.require(.paymentsRead)
        let id = try Self.uuid(input.path.paymentId, "payment")
        let payment = try await transaction(principal) { tx in try await Self.payment(id, in: tx) }
        guard let payment else { throw APIProblem.notFound("payment") }
        return .ok(.init(body: .json(payment)))
    }

    func createWithdrawal(_ input: AtriumBrandAPI.Operations.CreateWithdrawal.Input) async throws -> AtriumBrandAPI.Operations.CreateWithdrawal.Output {
        let principal = try APIPrincipal.require(.paymentsWrite)
        let brand = try Self.brand(principal)
        let id = try Self.uuid(input.path.clientId, "client")
        let body = switch input.body { case .json(let json): json }
        // The same reading of the form as the wallet page (WalletRoutes.paymentForm), with pointers for names.
        guard let currency = Currency(body.currency.uppercased()) else { throw Self.field("/currency", "is not an ISO 4217 currency") }
        let money = try await refusals { try Money.parse(body.amount, currency: currency, field: "/amount") }
        guard money.minor > 0 else { throw Self.field("/amount", "must be more than zero") }
        let owner = try await transaction(principal) { tx in
            try await tx.query("SELECT email, country FROM users WHERE audience = 'trader' AND id = \(id)").collect().first?.decode((String, String).self)
        }
        guard let (email, country) = owner else { throw APIProblem.notFound("client") }
        // The key stands in for the device: the rules that look at devices see one API caller.
        let client = PaymentClient(id: id, email: email, country: country, ip: principal.clientIP, userAgent: "atrium-api/\(principal.key.prefix)")
        let origin = (services.config.secureCookies ? "https://" : "http://") + (principal.tenant.domains.first ?? "")
        let record = try await refusals {
            try await services.payments.requestWithdrawal(tenant: principal.tenant.handle, brand: brand, client: client, pspID: body.method, money: money,
                                                          idempotencyKey: "api:" + input.headers.idempotencyKey, origin: origin)
        }
        let payment = try await transaction(principal) { tx in try await Self.payment(record.id, in: tx) }
        guard let payment else { throw APIProblem.notFound("payment") }
        return .created(.init(body: .json(payment)))
    }

    static func payment(_ id: UUID, in tx: TenantTransaction) async throws -> AtriumBrandAPI.Components.Schemas.Payment? {
        try await tx.query("SELECT \(unescaped: paymentColumns) FROM payments p WHERE p.id = \(id)").collect().first.map(payment)?.1
    }

    static func payment(_ row: PostgresRow) throws -> (UUID, AtriumBrandAPI.Components.Schemas.Payment) {
        let (id, user, kind, status, code, amount, settled, psp, reference) = try row.decode((UUID, UUID, String, String, String, Int64, Int64?, String, String).self)
        var it = row.makeIterator()
        for _ in 0..<9 { _ = it.next() }
        guard let c1 = it.next(), let c2 = it.next(), let c3 = it.next(), let c4 = it.next(), let c5 = it.next() else { throw StoredValueUnreadable(what: "payment row") }
        let (reasons, required, approvals, failure, created) = (try c1.decode([String].self), try c2.decode(Int.self), try c3.decode(Int.self),
                                                                try c4.decode(String.self), try c5.decode(Date.self))
        let currency = try currency(code)
        return (id, .init(id: text(id), clientId: text(user), kind: try value(kind), status: try value(status), amount: money(amount, currency),
                          settledAmount: settled.map { money($0, currency) }, method: psp, reference: reference, reviewReasons: reasons,
                          requiredApprovals: required, approvals: approvals, failureReason: failure, createdAt: created))
    }
}
