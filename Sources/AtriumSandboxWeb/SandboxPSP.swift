import AsyncHTTPClient
import AtriumCore
import AtriumPayments
import Foundation
import Logging
import NIOCore
import Synchronization

/// The built-in sandbox PSP (development only): an independent payment provider simulator served
/// by Atrium under `/sandbox-psp/` on the sandbox host. It speaks the Stripe dialect (checkout
/// sessions, payouts, `Stripe-Signature` webhooks) and a crypto-gateway dialect (invoices,
/// HMAC-SHA512 IPNs), keeps its state in memory (bounded), and reaches the CRM only over HTTP,
/// like a real provider, but only at this server's own loopback port.
public final class SandboxPSP: Sendable {
    enum Dialect: String { case card, crypto }

    struct Session {
        let id: String
        let dialect: Dialect
        let apiKey: String
        let amount: Int64
        let currency: String
        let reference: String
        let successURL: String
        let cancelURL: String
        let notifyURL: String
        let createdAt: Date
        var status: String
        /// The card holder typed on the hosted page; reported like Stripe's customer_details.name.
        var payerName = ""
    }

    let state: Mutex<SandboxPSPState>
    let keys: SandboxKeys
    /// Where the CRM listens (`http://127.0.0.1:<port>`): every callback goes there, whatever host
    /// its URL names, so the sandbox cannot be made to POST anywhere else.
    let appOrigin: @Sendable () -> String
    let logger: Logger

    /// `limits` bound the sessions and payouts kept in memory.
    public init(keys: SandboxKeys, appOrigin: @escaping @Sendable () -> String, limits: SandboxPSPState.Limits = .init(), logger: Logger) {
        self.keys = keys
        self.appOrigin = appOrigin
        self.state = Mutex(SandboxPSPState(limits: limits))
        self.logger = logger
    }

    func note(_ line: String) {
        state.withLock { s in
            s.log.append("\(Date().formatted(.iso8601)) \(line)")
            if s.log.count > 200 { s.log.removeFirst(s.log.count - 200) }
        }
    }

    /// Sessions and payouts currently kept (for tests and the dashboard).
    public var counts: (sessions: Int, payouts: Int) { state.withLock { ($0.sessions.count, $0.payouts.count) } }

    static func newID(_ prefix: String) -> String { prefix + "_" + Token.random(bytes: 12).replacingOccurrences(of: "-", with: "x").replacingOccurrences(of: "_", with: "y") }

    // MARK: events

    func cardEvent(_ type: String, session s: Session, paymentStatus: String = "paid") -> [UInt8] {
        var object: [String: Any] = ["id": s.id, "object": "checkout.session", "amount_total": s.amount, "currency": s.currency.lowercased(),
                                     "client_reference_id": s.reference, "payment_status": paymentStatus, "metadata": ["reference": s.reference]]
        if !s.payerName.isEmpty { object["customer_details"] = ["name": s.payerName] }
        return Self.event(type, object: object)
    }

    static func event(_ type: String, object: [String: Any]) -> [UInt8] {
        let event: [String: Any] = ["id": newID("evt"), "object": "event", "type": type, "created": Int(Date().timeIntervalSince1970),
                                    "livemode": false, "data": ["object": object]]
        return Array((try? JSONSerialization.data(withJSONObject: event, options: [.sortedKeys])) ?? Data())
    }

    func cryptoIPN(_ status: String, session s: Session, paid: Int64, confirmations: Int) -> [UInt8] {
        let body: [String: Any] = ["payment_id": s.id, "invoice_id": s.id, "order_id": s.reference, "payment_status": status,
                                   "price_amount_minor": s.amount, "price_currency": s.currency, "actually_paid_minor": paid,
                                   "confirmations": confirmations, "pay_currency": "usdttrc20"]
        return Array((try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data())
    }

    /// Signs and POSTs one notification to this server's own port, with the notify URL's host as
    /// the Host header (the URL was checked to be a brand's callback path when it was accepted);
    /// retries twice on failure.
    func deliver(_ body: [UInt8], dialect: Dialect, apiKey: String, to notifyURL: String) async -> Int {
        guard let notify = URLComponents(string: notifyURL), let host = notify.host, var target = URLComponents(string: appOrigin()) else { return 0 }
        target.path = notify.path
        target.percentEncodedQuery = notify.percentEncodedQuery
        guard let url = target.string else { return 0 }
        let hostHeader = notify.port.map { "\(host):\($0)" } ?? host
        let secret = keys.webhookSecret(apiKey: apiKey)
        for attempt in 1...3 {
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Host", value: hostHeader)
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "Atrium-Sandbox-PSP/1.0")
            switch dialect {
            case .card: request.headers.add(name: "Stripe-Signature", value: StripeSignature.header(secret: secret, timestamp: Int(Date().timeIntervalSince1970), body: body))
            case .crypto: request.headers.add(name: IPNSignature.headerName, value: IPNSignature.sign(secret: secret, body: body))
            }
            request.body = .bytes(ByteBuffer(bytes: body))
            do {
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                _ = try? await response.body.collect(upTo: 1 << 16)
                let code = Int(response.status.code)
                note("callback → \(notifyURL): HTTP \(code) (attempt \(attempt))")
                if code < 500 { return code }
            } catch {
                note("callback → \(notifyURL): \(error) (attempt \(attempt))")
            }
            try? await Task.sleep(for: .milliseconds(500 * attempt))
        }
        return 0
    }

    /// Sends the outcome of a hosted-page decision with the chosen delivery behaviour.
    func settle(_ s: Session, outcome: String, delivery: String) async {
        var messages: [[UInt8]] = []
        switch (s.dialect, outcome) {
        case (.card, "approve"):
            messages = [cardEvent("checkout.session.completed", session: s)]
            if delivery == "out_of_order" { messages.append(cardEvent("payment_intent.processing", session: s, paymentStatus: "unpaid")) }
        case (.card, "decline"):
            messages = [cardEvent("payment_intent.payment_failed", session: s, paymentStatus: "unpaid")]
        case (.crypto, "approve"), (.crypto, "underpay"), (.crypto, "overpay"):
            let paid = outcome == "underpay" ? s.amount * 9 / 10 : outcome == "overpay" ? s.amount * 11 / 10 : s.amount
            let status = outcome == "underpay" ? "partially_paid" : "finished"
            let confirming = cryptoIPN("confirming", session: s, paid: paid, confirmations: 1)
            let final = cryptoIPN(status, session: s, paid: paid, confirmations: 3)
            messages = delivery == "out_of_order" ? [final, confirming] : [confirming, final]
        case (.crypto, "decline"):
            messages = [cryptoIPN("failed", session: s, paid: 0, confirmations: 0)]
        default:
            messages = []   // "timeout": the provider never answers
        }
        if delivery == "duplicate" { messages = messages.flatMap { [$0, $0] } }
        if delivery == "late" {
            let copy = messages
            Task {
                try? await Task.sleep(for: .seconds(4))
                for m in copy { _ = await deliver(m, dialect: s.dialect, apiKey: s.apiKey, to: s.notifyURL) }
            }
            return
        }
        for m in messages { _ = await deliver(m, dialect: s.dialect, apiKey: s.apiKey, to: s.notifyURL) }
    }
}
