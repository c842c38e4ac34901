import AtriumCore
import AtriumLedger
import AtriumStorage
import Foundation
import PostgresNIO

public struct PaymentRecord: Sendable, Equatable {
    public let id: UUID
    public let kind: PaymentKind
    public let userID: UUID
    public let pspID: String
    public let pspType: String
    public let currency: Currency
    public let amount: Int64
    public let settledAmount: Int64?
    public let status: PaymentStatus
    public let reference: String
    public let providerRef: String?
    public let holdID: UUID?
    public let reviewReasons: [String]
    public let requiredApprovals: Int
    public let approvals: Int
    public let failureReason: String
    public let createdAt: Date
    public let email: String
    /// What the PSP reported it collected (deposits), as received; nil until it reports.
    public let pspAmount: Int64?
    public let pspCurrency: String?

    public var money: Money { Money(minor: amount, currency: currency) }

    /// The PSP's figure as text (`999999.00 USD`), or nil before it reports.
    public var pspText: String? { pspAmount.map { DepositSettlement.text(amount: $0, currency: pspCurrency) } }

    /// The PSP's figure differs from the request (amount or currency): shown next to it on every screen.
    public var pspDiffers: Bool {
        guard let pspAmount else { return false }
        return pspAmount != amount || (pspCurrency.map { $0 != currency.code } ?? false)
    }
}

public struct PaymentEventRecord: Sendable, Equatable {
    public let at: Date
    public let from: String
    public let to: String
    public let actor: String
    public let detail: String
}

/// Ways a payment request can fail that the client or staff member can act on.
public enum PaymentError: Error, Equatable, UserFacingError, CustomStringConvertible {
    case unknownCurrency(String)
    case methodUnavailable(String)
    /// The PSP did not answer; `next` lists the methods still worth offering.
    case pspUnavailable(next: [String])
    case notFound
    case invalidState(PaymentStatus)
    case sameApprover
    case noPayouts(String)
    case kycRequired

    public var status: Int {
        switch self {
        case .unknownCurrency, .methodUnavailable: 422
        case .pspUnavailable: 503
        case .notFound: 404
        case .invalidState, .sameApprover: 409
        case .noPayouts, .kycRequired: 422
        }
    }

    public var publicMessage: String {
        switch self {
        case .unknownCurrency: "error_unknown_currency"
        case .methodUnavailable: "error_method_unavailable"
        case .pspUnavailable: "error_psp_unavailable"
        case .notFound: "error_payment_not_found"
        case .invalidState: "error_payment_state"
        case .sameApprover: "error_same_approver"
        case .noPayouts: "error_no_payouts"
        case .kycRequired: "error_kyc_required"
        }
    }

    public var description: String {
        switch self {
        case .unknownCurrency(let c): "unknown currency \(c)"
        case .methodUnavailable(let m): "payment method unavailable: \(m)"
        case .pspUnavailable(let next): "PSP unavailable; next: \(next)"
        case .notFound: "payment not found"
        case .invalidState(let s): "payment is \(s.rawValue)"
        case .sameApprover: "the same staff member cannot approve twice"
        case .noPayouts(let p): "\(p) does not pay out"
        case .kycRequired: "KYC approval required"
        }
    }
}

enum PaymentQueries {
    static let columns = """
        p.id, p.kind, p.user_id, p.psp_id, p.psp_type, p.currency, p.amount, p.settled_amount, p.status, p.reference, p.provider_ref,
        p.hold_id, p.review_reasons, p.required_approvals, (SELECT count(*) FROM payment_approvals a WHERE a.payment_id = p.id)::int,
        p.failure_reason, p.created_at, u.email, p.psp_amount, p.psp_currency
        """

    /// `SELECT <columns> FROM payments p JOIN users u`, to be followed by a WHERE clause.
    static let select = "SELECT \(columns) FROM payments p JOIN users u ON u.id = p.user_id"

    static func records(_ query: PostgresQuery, in tx: TenantTransaction) async throws -> [PaymentRecord] {
        let rows = try await tx.query(query)
        var out: [PaymentRecord] = []
        for try await row in rows {
            let (id, kind, user, psp, type, currency, amount, settled, status) =
                try row.decode((UUID, String, UUID, String, String, String, Int64, Int64?, String).self)
            var it = row.makeIterator()
            for _ in 0..<9 { _ = it.next() }
            let reference = try it.next()!.decode(String.self)
            let providerRef = try it.next()!.decode(String?.self)
            let hold = try it.next()!.decode(UUID?.self)
            let reasons = try it.next()!.decode([String].self)
            let required = try it.next()!.decode(Int.self)
            let approvals = try it.next()!.decode(Int.self)
            let failure = try it.next()!.decode(String.self)
            let created = try it.next()!.decode(Date.self)
            let email = try it.next()!.decode(String.self)
            let pspAmount = try it.next()!.decode(Int64?.self)
            let pspCurrency = try it.next()!.decode(String?.self)
            // A row this build cannot read is reported and fails the read; it never silently drops out of a list.
            let k = try tx.stored(kind, kind: "payment_kind", table: "payments", id: id, PaymentKind.init(rawValue:))
            let s = try tx.stored(status, kind: "payment_status", table: "payments", id: id, PaymentStatus.init(rawValue:))
            let c = try tx.stored(currency, kind: "currency", table: "payments", id: id, Currency.init)
            out.append(PaymentRecord(id: id, kind: k, userID: user, pspID: psp, pspType: type, currency: c, amount: amount, settledAmount: settled,
                                     status: s, reference: reference, providerRef: providerRef, holdID: hold, reviewReasons: reasons,
                                     requiredApprovals: required, approvals: approvals, failureReason: failure, createdAt: created, email: email,
                                     pspAmount: pspAmount, pspCurrency: pspCurrency))
        }
        return out
    }

    static func one(id: UUID, lock: Bool = false, in tx: TenantTransaction) async throws -> PaymentRecord? {
        try await records("\(unescaped: select) WHERE p.id = \(id) \(unescaped: lock ? "FOR UPDATE OF p" : "")", in: tx).first
    }

    static func byReference(_ reference: String, in tx: TenantTransaction) async throws -> PaymentRecord? {
        try await records("\(unescaped: select) WHERE p.reference = \(reference) FOR UPDATE OF p", in: tx).first
    }

    static func move(_ p: PaymentRecord, to status: PaymentStatus, actor: String, detail: String, failureReason: String? = nil,
                     settled: Int64? = nil, providerRef: String? = nil, in tx: TenantTransaction) async throws {
        let entry = try await record(p, to: status, actor: actor, detail: detail, failureReason: failureReason, settled: settled,
                                     providerRef: providerRef, in: tx)
        try await AuditLog.append(entry, in: tx)
    }

    /// The state change and its history row; returns the audit entry for the caller to append
    /// (callback processing appends it last, to hold the brand's audit lock as briefly as possible).
    static func record(_ p: PaymentRecord, to status: PaymentStatus, actor: String, detail: String, failureReason: String? = nil,
                       settled: Int64? = nil, providerRef: String? = nil, reported: (amount: Int64?, currency: String?)? = nil,
                       reviewReasons: [String]? = nil, in tx: TenantTransaction) async throws -> AuditEntry {
        try await tx.query("""
            UPDATE payments SET status = \(status.rawValue), updated_at = now(), failure_reason = coalesce(\(failureReason), failure_reason),
                   settled_amount = coalesce(\(settled), settled_amount), provider_ref = coalesce(\(providerRef), provider_ref),
                   psp_amount = coalesce(\(reported?.amount), psp_amount), psp_currency = coalesce(\(reported?.currency), psp_currency),
                   review_reasons = coalesce(\(reviewReasons), review_reasons)
            WHERE id = \(p.id)
            """)
        try await event(p.id, from: p.status.rawValue, to: status.rawValue, actor: actor, detail: detail, in: tx)
        try await PaymentWebhooks.record(p, to: status, settled: settled, failureReason: failureReason, in: tx)
        return try AuditEntry(actor: actor, action: "\(p.kind.rawValue).\(status.rawValue)", subject: "payment:\(p.reference)",
                          before: CanonicalJSON.object(["status": p.status.rawValue]),
                          after: jsonObject(["status": status.rawValue, "amount": "\(settled ?? p.amount)", "currency": p.currency.code, "detail": detail]))
    }

    static func event(_ id: UUID, from: String, to: String, actor: String, detail: String, in tx: TenantTransaction) async throws {
        try await tx.query("INSERT INTO payment_events (payment_id, from_status, to_status, actor, detail) VALUES (\(id), \(from), \(to), \(actor), \(detail))")
    }

    static func jsonObject(_ fields: [String: String]) throws -> String {
        try CanonicalJSON.text(fields)
    }
}
