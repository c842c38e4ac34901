import AsyncHTTPClient
import AtriumCore
import AtriumLedger
import AtriumPayments
import Foundation
import Hummingbird
import HTTPTypes
import Logging
import NIOCore
import Synchronization

/// The built-in sandbox PSP: an independent payment provider simulator served by Atrium under
/// `/sandbox-psp/`. It speaks the Stripe dialect (checkout sessions, payouts, `Stripe-Signature`
/// webhooks) and a crypto-gateway dialect (invoices, HMAC-SHA512 IPNs), keeps its state in memory,
/// and reaches the CRM only over HTTP, like a real provider.
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
        var status: String
    }

    struct State {
        var sessions: [String: Session] = [:]
        var payouts: [String: String] = [:]          // idempotency key -> payout id
        var log: [String] = []
        var failCheckouts = false
        var failPayouts = false
        var latencyMilliseconds = 0
    }

    let state = Mutex(State())
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    func note(_ line: String) {
        state.withLock { s in
            s.log.append("\(ISO8601DateFormatter().string(from: Date())) \(line)")
            if s.log.count > 200 { s.log.removeFirst(s.log.count - 200) }
        }
    }

    static func newID(_ prefix: String) -> String { prefix + "_" + Token.random(bytes: 12).replacingOccurrences(of: "-", with: "x").replacingOccurrences(of: "_", with: "y") }

    // MARK: events

    func cardEvent(_ type: String, session s: Session, paymentStatus: String = "paid") -> [UInt8] {
        let object: [String: Any] = ["id": s.id, "object": "checkout.session", "amount_total": s.amount, "currency": s.currency.lowercased(),
                                     "client_reference_id": s.reference, "payment_status": paymentStatus, "metadata": ["reference": s.reference]]
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

    /// Signs and POSTs one notification; retries twice on failure. `*.localhost` is loopback (RFC 6761):
    /// the request goes to 127.0.0.1 with the original Host header.
    func deliver(_ body: [UInt8], dialect: Dialect, apiKey: String, to notifyURL: String) async -> Int {
        guard var components = URLComponents(string: notifyURL), let host = components.host else { return 0 }
        let hostHeader = components.port.map { "\(host):\($0)" } ?? host
        if host == "localhost" || host.hasSuffix(".localhost") { components.host = "127.0.0.1" }
        guard let target = components.string else { return 0 }
        let secret = SandboxKeys.webhookSecret(apiKey: apiKey)
        for attempt in 1...3 {
            var request = HTTPClientRequest(url: target)
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

/// HTTP face of the sandbox PSP.
struct SandboxPSPRoutes: Sendable {
    let services: AppServices
    var psp: SandboxPSP { services.sandboxPSP }

    func register(on router: Router<AtriumRequestContext>) {
        router.get("/sandbox-psp") { req, _ in dashboard(req) }
        router.post("/sandbox-psp/v1/checkout/sessions") { req, _ in try await createSession(req, dialect: .card) }
        router.post("/sandbox-psp/crypto/v1/invoice") { req, _ in try await createSession(req, dialect: .crypto) }
        router.post("/sandbox-psp/v1/payouts") { req, _ in try await createPayout(req) }
        router.get("/sandbox-psp/checkout/:id") { req, ctx in try checkoutPage(req, ctx) }
        router.post("/sandbox-psp/checkout/:id") { req, ctx in try await decide(req, ctx) }
        router.post("/sandbox-psp/control") { req, _ in try await control(req) }
    }

    static func json(_ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return Responses.text(String(decoding: data, as: UTF8.self), status: status, contentType: "application/json")
    }

    static func stripeError(_ message: String, status: HTTPResponse.Status) -> Response {
        json(["error": ["type": "invalid_request_error", "message": message]], status: status)
    }

    func origin(_ req: Request) -> String {
        "http://" + (req.head.headerFields[.hostHeader] ?? req.head.authority ?? "127.0.0.1")
    }

    func body(_ req: Request) async throws -> (fields: [String: String], raw: Data) {
        var req = req
        let buffer = try await req.collectBody(upTo: 64 * 1024)
        let raw = Data(buffer: buffer)
        if req.headers[.contentType]?.hasPrefix("application/json") == true {
            let object = (try? JSONSerialization.jsonObject(with: raw)) as? [String: Any] ?? [:]
            return (object.mapValues { "\($0)" }, raw)
        }
        return (Forms.parse(String(decoding: raw, as: UTF8.self)), raw)
    }

    func simulateLatency() async {
        let ms = psp.state.withLock { $0.latencyMilliseconds }
        if ms > 0 { try? await Task.sleep(for: .milliseconds(ms)) }
    }

    func createSession(_ req: Request, dialect: SandboxPSP.Dialect) async throws -> Response {
        await simulateLatency()
        let key = dialect == .card
            ? (req.headers[.authorization] ?? "").replacingOccurrences(of: "Bearer ", with: "")
            : (req.headers[HTTPField.Name("x-api-key")!] ?? "")
        guard key.hasPrefix("sk_sandbox_") else { return Self.stripeError("Invalid API key provided", status: .unauthorized) }
        if psp.state.withLock({ $0.failCheckouts }) { return Self.stripeError("sandbox: checkout creation is switched to fail", status: .serviceUnavailable) }
        let (f, _) = try await body(req)
        let amount = Int64(f["amount"] ?? f["price_amount_minor"] ?? "") ?? 0
        let currency = (f["currency"] ?? f["price_currency"] ?? "").uppercased()
        let reference = f["client_reference_id"] ?? f["order_id"] ?? ""
        let notify = f["notify_url"] ?? f["ipn_callback_url"] ?? ""
        guard amount > 0, currency.count == 3, !reference.isEmpty, !notify.isEmpty,
              let success = f["success_url"], let cancel = f["cancel_url"] else {
            return Self.stripeError("amount, currency, reference, success_url, cancel_url and notify_url are required", status: .badRequest)
        }
        let id = SandboxPSP.newID(dialect == .card ? "cs_test" : "inv")
        let session = SandboxPSP.Session(id: id, dialect: dialect, apiKey: key, amount: amount, currency: currency, reference: reference,
                                         successURL: success, cancelURL: cancel, notifyURL: notify, status: "open")
        psp.state.withLock { $0.sessions[id] = session }
        psp.note("\(dialect.rawValue) session \(id) for \(reference): \(amount) \(currency)")
        let url = "\(origin(req))/sandbox-psp/checkout/\(id)"
        return dialect == .card
            ? Self.json(["id": id, "object": "checkout.session", "url": url, "status": "open"])
            : Self.json(["id": id, "invoice_url": url, "order_id": reference])
    }

    func createPayout(_ req: Request) async throws -> Response {
        await simulateLatency()
        let key = (req.headers[.authorization] ?? "").replacingOccurrences(of: "Bearer ", with: "")
        guard key.hasPrefix("sk_sandbox_") else { return Self.stripeError("Invalid API key provided", status: .unauthorized) }
        if psp.state.withLock({ $0.failPayouts }) { return Self.stripeError("sandbox: payouts are switched to fail", status: .serviceUnavailable) }
        let (f, _) = try await body(req)
        guard let amount = Int64(f["amount"] ?? ""), amount > 0, let reference = f["metadata[reference]"], let notify = f["notify_url"] else {
            return Self.stripeError("amount, metadata[reference] and notify_url are required", status: .badRequest)
        }
        let idempotency = req.headers[HTTPField.Name("Idempotency-Key")!] ?? SandboxPSP.newID("idem")
        // The same Idempotency-Key returns the first payout and sends nothing new (as Stripe does).
        let (id, isNew) = psp.state.withLock { s -> (String, Bool) in
            if let existing = s.payouts[idempotency] { return (existing, false) }
            let id = SandboxPSP.newID("po_test")
            s.payouts[idempotency] = id
            return (id, true)
        }
        if isNew {
            let currency = (f["currency"] ?? "usd").lowercased()
            let event = SandboxPSP.event("payout.paid", object: ["id": id, "object": "payout", "amount": amount, "currency": currency,
                                                                "status": "paid", "metadata": ["reference": reference]])
            psp.note("payout \(id) for \(reference): \(amount) \(currency)")
            let sandbox = psp
            Task {
                try? await Task.sleep(for: .milliseconds(300))
                _ = await sandbox.deliver(event, dialect: .card, apiKey: key, to: notify)
            }
        }
        return Self.json(["id": id, "object": "payout", "amount": amount, "status": "pending"])
    }

    func sessionView(_ s: SandboxPSP.Session) -> [String: Any] {
        ["id": s.id, "reference": s.reference, "amount": Money.format(s.amount, exponent: Currency(s.currency)?.exponent ?? 2), "currency": s.currency,
         "status": s.status, "crypto": s.dialect == .crypto, "card": s.dialect == .card]
    }

    func render(_ template: String, _ context: [String: Any], status: HTTPResponse.Status = .ok) throws -> Response {
        Responses.html(try services.renderer.render(template, brand: nil, context: context), status: status)
    }

    func checkoutPage(_ req: Request, _ ctx: AtriumRequestContext) throws -> Response {
        let id = ctx.parameters.get("id") ?? ""
        guard let s = psp.state.withLock({ $0.sessions[id] }) else {
            return try render("sandbox/checkout", ["missing": true], status: .notFound)
        }
        var response = try render("sandbox/checkout", ["session": sessionView(s), "open": s.status == "open"])
        // The decision form redirects back to the merchant: allow exactly its return origins.
        let origins = Set([s.successURL, s.cancelURL].compactMap { URLComponents(string: $0) }.compactMap { u -> String? in
            guard let scheme = u.scheme, let host = u.host else { return nil }
            return "\(scheme)://\(host)\(u.port.map { ":\($0)" } ?? "")"
        })
        if let csp = response.headers[.contentSecurityPolicy] {
            response.headers[.contentSecurityPolicy] = csp.replacingOccurrences(of: "form-action 'self'", with: "form-action 'self' " + origins.sorted().joined(separator: " "))
        }
        return response
    }

    func decide(_ req: Request, _ ctx: AtriumRequestContext) async throws -> Response {
        let id = ctx.parameters.get("id") ?? ""
        let (f, _) = try await body(req)
        let outcome = f["outcome"] ?? ""
        let delivery = f["delivery"] ?? "on_time"
        guard ["approve", "decline", "timeout", "underpay", "overpay"].contains(outcome),
              ["on_time", "late", "duplicate", "out_of_order"].contains(delivery) else {
            return Responses.text("outcome must be approve, decline, timeout, underpay or overpay; delivery on_time, late, duplicate or out_of_order\n", status: .badRequest)
        }
        let session = psp.state.withLock { s -> SandboxPSP.Session? in
            guard var session = s.sessions[id], session.status == "open" else { return nil }
            session.status = outcome
            s.sessions[id] = session
            return session
        }
        guard let session else { return Responses.text("this checkout is not open\n", status: .conflict) }
        psp.note("checkout \(id): \(outcome), delivery \(delivery)")
        await psp.settle(session, outcome: outcome, delivery: delivery)
        return Responses.seeOther(outcome == "decline" ? session.cancelURL : session.successURL)
    }

    /// Test-only switches: make checkouts or payouts fail, or add latency to API calls.
    func control(_ req: Request) async throws -> Response {
        let (f, _) = try await body(req)
        func flag(_ name: String) -> Bool? { f[name].map { ["1", "true", "yes", "on"].contains($0.lowercased()) } }
        psp.state.withLock { s in
            if let v = flag("fail_checkouts") { s.failCheckouts = v }
            if let v = flag("fail_payouts") { s.failPayouts = v }
            if let v = f["latency_ms"].flatMap(Int.init) { s.latencyMilliseconds = max(0, min(v, 60_000)) }
        }
        let s = psp.state.withLock { $0 }
        return Self.json(["fail_checkouts": s.failCheckouts, "fail_payouts": s.failPayouts, "latency_ms": s.latencyMilliseconds])
    }

    func dashboard(_ req: Request) -> Response {
        let s = psp.state.withLock { $0 }
        let lines = ["Atrium sandbox PSP", "", "Webhook signing secret of an API key: GET /sandbox-psp?key=<api key>",
                     "Switches: fail_checkouts=\(s.failCheckouts) fail_payouts=\(s.failPayouts) latency_ms=\(s.latencyMilliseconds)", "",
                     "Recent activity:"] + s.log.suffix(50)
        var text = lines.joined(separator: "\n") + "\n"
        if let key = req.uri.queryParameters.get("key"), key.hasPrefix("sk_sandbox_") {
            text = "webhook secret for \(key): \(SandboxKeys.webhookSecret(apiKey: key))\n\n" + text
        }
        return Responses.text(text)
    }
}
