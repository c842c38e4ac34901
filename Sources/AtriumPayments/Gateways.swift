import AtriumCore
import AtriumOutbound
import Crypto
import Foundation
import NIOCore
import NIOFoundationCompat

public struct CheckoutRequest: Sendable {
    public var reference: String
    public var amount: Int64
    public var currency: String
    public var email: String
    public var returnURL: String
    public var cancelURL: String
    public var notifyURL: String
}

public struct BankInstructions: Sendable, Equatable {
    public var reference: String
    public var details: [(label: String, value: String)]
    public static func == (a: Self, b: Self) -> Bool {
        a.reference == b.reference && a.details.map(\.label) == b.details.map(\.label) && a.details.map(\.value) == b.details.map(\.value)
    }
}

public enum CheckoutResult: Sendable, Equatable {
    /// Send the client to the PSP's hosted page.
    case redirect(url: String, providerRef: String)
    /// Bank transfer: show the reference and bank details.
    case instructions(BankInstructions)
}

public struct PayoutRequest: Sendable {
    public var reference: String
    public var amount: Int64
    public var currency: String
    public var notifyURL: String
}

/// Failures talking to a PSP. `unavailable` (timeouts, connection errors, 5xx) counts against the
/// circuit breaker and makes the router offer the next PSP.
public enum GatewayError: Error, Equatable, Sendable, CustomStringConvertible {
    case unavailable(String)
    case rejected(String)
    case notConfigured(String)
    case unsupported(String)

    public var description: String {
        switch self {
        case .unavailable(let m): "unavailable: \(m)"
        case .rejected(let m): "rejected: \(m)"
        case .notConfigured(let m): "not configured: \(m)"
        case .unsupported(let m): "unsupported: \(m)"
        }
    }
}

/// One payment service provider. Adapters translate our requests and their callbacks.
public protocol PaymentGateway: Sendable {
    var psp: ResolvedPSP { get }
    func createDeposit(_ request: CheckoutRequest) async throws -> CheckoutResult
    /// Verifies the raw callback bytes and returns the normalised event.
    func verify(headers: [String: String], body: [UInt8], now: Date) throws(VerificationFailure) -> PSPEvent
    var supportsPayouts: Bool { get }
    func createPayout(_ request: PayoutRequest) async throws -> String
}

/// JSON or form posts to a PSP through `AtriumOutbound.OutboundHTTP`, mapped to `GatewayError`:
/// a 4xx is `rejected`; no answer, a 5xx or a broken answer is `unavailable` (the breaker counts
/// it and the router offers the next PSP). Whether the call may have taken effect is kept in the
/// message; payouts are safe either way, since they are retried with the same `Idempotency-Key`.
struct GatewayHTTP: Sendable {
    let timeout: TimeAmount

    func post(_ url: String, headers: [(String, String)], body: [UInt8], contentType: String) async throws -> [String: Any] {
        let reply: OutboundHTTP.Reply
        do {
            reply = try await OutboundHTTP(timeout: timeout).send(url, method: .POST, headers: [("Content-Type", contentType)] + headers, body: body,
                                                                  label: "POST \(URL(string: url)?.path ?? "?")")
        } catch {
            throw GatewayError.unavailable("\(error)")
        }
        let json = (try? JSONSerialization.jsonObject(with: Data(reply.body))) as? [String: Any]
        if let failure = reply.failure {
            let message = ((json?["error"] as? [String: Any])?["message"] as? String) ?? (json?["message"] as? String) ?? ""
            let text = "HTTP \(reply.status)" + (message.isEmpty ? "" : ": " + String(message.prefix(200)))
            throw (400..<500).contains(reply.status) ? GatewayError.rejected(text) : GatewayError.unavailable(failure.mayHaveTakenEffect ? text : "\(text) (not applied)")
        }
        guard let json else { throw GatewayError.unavailable("response is not JSON") }
        return json
    }
}

func formEncode(_ fields: [(String, String)]) -> [UInt8] {
    Array(FormEncoding.encode(fields).utf8)
}

func int64(_ value: Any?) -> Int64? {
    if let n = value as? NSNumber { return n.int64Value }
    if let s = value as? String { return Int64(s) }
    return nil
}

/// Stripe-compatible card gateway: Checkout Sessions, payouts and `Stripe-Signature` webhooks.
/// Used for `stripe` (api.stripe.com) and `sandbox` (the built-in sandbox speaks the same dialect).
public struct StripeCompatibleGateway: PaymentGateway {
    public let psp: ResolvedPSP
    let http: GatewayHTTP

    public init(psp: ResolvedPSP, timeout: TimeAmount = .seconds(8)) {
        self.psp = psp
        self.http = GatewayHTTP(timeout: timeout)
    }

    public var supportsPayouts: Bool { true }

    func auth() throws -> [(String, String)] {
        guard let key = psp.apiKey else { throw GatewayError.notConfigured("api_key") }
        return [("Authorization", "Bearer \(key)")]
    }

    public func createDeposit(_ r: CheckoutRequest) async throws -> CheckoutResult {
        let body = formEncode([
            ("mode", "payment"), ("amount", "\(r.amount)"), ("currency", r.currency.lowercased()),
            ("client_reference_id", r.reference), ("customer_email", r.email),
            ("success_url", r.returnURL), ("cancel_url", r.cancelURL),
            ("metadata[reference]", r.reference), ("notify_url", r.notifyURL),
        ])
        let json = try await http.post(psp.endpoint + "/v1/checkout/sessions", headers: try auth(), body: body,
                                       contentType: "application/x-www-form-urlencoded")
        guard let id = json["id"] as? String, let url = json["url"] as? String else { throw GatewayError.unavailable("checkout session without id/url") }
        return .redirect(url: url, providerRef: id)
    }

    public func createPayout(_ r: PayoutRequest) async throws -> String {
        let body = formEncode([("amount", "\(r.amount)"), ("currency", r.currency.lowercased()),
                               ("metadata[reference]", r.reference), ("notify_url", r.notifyURL)])
        let json = try await http.post(psp.endpoint + "/v1/payouts", headers: try auth() + [("Idempotency-Key", r.reference)], body: body,
                                       contentType: "application/x-www-form-urlencoded")
        guard let id = json["id"] as? String else { throw GatewayError.unavailable("payout without id") }
        return id
    }

    public func verify(headers: [String: String], body: [UInt8], now: Date) throws(VerificationFailure) -> PSPEvent {
        guard let secret = psp.webhookSecret else { throw .notConfigured }
        try StripeSignature.verify(header: headers["stripe-signature"], body: body, secret: secret, now: now)
        guard let json = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
              let id = json["id"] as? String, let type = json["type"] as? String,
              let object = (json["data"] as? [String: Any])?["object"] as? [String: Any] else {
            throw .malformedBody("expected id, type and data.object")
        }
        let metadata = object["metadata"] as? [String: Any]
        let reference = (object["client_reference_id"] as? String) ?? (metadata?["reference"] as? String) ?? ""
        let currency = (object["currency"] as? String)?.uppercased()
        let kind: PSPEvent.Kind
        var amount = int64(object["amount_total"]) ?? int64(object["amount"])
        switch type {
        case "checkout.session.completed", "checkout.session.async_payment_succeeded":
            kind = (object["payment_status"] as? String).map { $0 == "paid" } ?? true ? .succeeded : .pending
        case "payment_intent.processing": kind = .pending
        case "checkout.session.expired", "checkout.session.async_payment_failed", "payment_intent.payment_failed": kind = .failed
        case "charge.refunded":
            kind = .refunded
            amount = int64(object["amount_refunded"]) ?? amount
        case "charge.dispute.created": kind = .chargedBack
        case "payout.paid": kind = .payoutPaid
        case "payout.failed": kind = .payoutFailed
        default: kind = .ignored
        }
        guard kind == .ignored || !reference.isEmpty else { throw .malformedBody("no client_reference_id or metadata.reference") }
        // Stripe reports the card holder as customer_details.name on Checkout Sessions.
        let payer = String(((object["customer_details"] as? [String: Any])?["name"] as? String ?? "").prefix(200))
        return PSPEvent(eventID: id, kind: kind, reference: reference, amount: amount, currency: currency, detail: type, payerName: payer)
    }
}

/// Crypto gateway (NOWPayments-style invoices): HMAC-SHA512 IPN callbacks, a confirmations
/// threshold, and under- or over-payment settled at the amount actually received.
public struct CryptoGateway: PaymentGateway {
    public let psp: ResolvedPSP
    let http: GatewayHTTP

    public init(psp: ResolvedPSP, timeout: TimeAmount = .seconds(8)) {
        self.psp = psp
        self.http = GatewayHTTP(timeout: timeout)
    }

    public var supportsPayouts: Bool { false }

    public func createDeposit(_ r: CheckoutRequest) async throws -> CheckoutResult {
        guard let key = psp.apiKey else { throw GatewayError.notConfigured("api_key") }
        let body: [String: Any] = ["price_amount_minor": r.amount, "price_currency": r.currency, "order_id": r.reference,
                                   "ipn_callback_url": r.notifyURL, "success_url": r.returnURL, "cancel_url": r.cancelURL]
        let json = try await http.post(psp.endpoint + "/v1/invoice", headers: [("x-api-key", key)],
                                       body: Array(try JSONSerialization.data(withJSONObject: body)), contentType: "application/json")
        guard let id = json["id"].map({ "\($0)" }), let url = json["invoice_url"] as? String else { throw GatewayError.unavailable("invoice without id/url") }
        return .redirect(url: url, providerRef: id)
    }

    public func createPayout(_ r: PayoutRequest) async throws -> String {
        throw GatewayError.unsupported("crypto payouts are not offered")
    }

    public func verify(headers: [String: String], body: [UInt8], now: Date) throws(VerificationFailure) -> PSPEvent {
        guard let secret = psp.webhookSecret else { throw .notConfigured }
        try IPNSignature.verify(header: headers[IPNSignature.headerName], body: body, secret: secret)
        guard let json = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
              let status = json["payment_status"] as? String, let order = json["order_id"] as? String else {
            throw .malformedBody("expected payment_status and order_id")
        }
        let confirmations = int64(json["confirmations"]).map(Int.init) ?? 0
        let paid = int64(json["actually_paid_minor"])
        let enough = confirmations >= psp.confirmationsRequired
        let kind: PSPEvent.Kind
        switch status {
        case "waiting", "confirming", "sending": kind = .pending
        case "confirmed", "finished", "partially_paid": kind = enough ? .succeeded : .pending
        case "failed", "expired": kind = .failed
        case "refunded": kind = .refunded
        default: kind = .ignored
        }
        // IPNs carry no event id: the body's digest identifies a notification.
        let id = "ipn_" + Token.hex(SHA256.hash(data: body))
        return PSPEvent(eventID: id, kind: kind, reference: order, amount: paid, currency: json["price_currency"] as? String,
                        confirmations: confirmations, detail: "\(status) (\(confirmations)/\(psp.confirmationsRequired) confirmations)")
    }
}

/// Bank wire: the client gets a reference and the bank details; Finance confirms receipt.
public struct BankWireGateway: PaymentGateway {
    public let psp: ResolvedPSP

    public init(psp: ResolvedPSP) { self.psp = psp }

    public var supportsPayouts: Bool { false }

    public func createDeposit(_ r: CheckoutRequest) async throws -> CheckoutResult {
        let details = psp.bankDetails.sorted { $0.key < $1.key }.map { (label: $0.key, value: $0.value) }
        return .instructions(BankInstructions(reference: r.reference, details: details))
    }

    public func createPayout(_ r: PayoutRequest) async throws -> String {
        throw GatewayError.unsupported("bank wire payouts are sent by Finance outside Atrium")
    }

    public func verify(headers: [String: String], body: [UInt8], now: Date) throws(VerificationFailure) -> PSPEvent {
        throw .notConfigured
    }
}
