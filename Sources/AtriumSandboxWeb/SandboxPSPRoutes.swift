import AtriumCore
import AtriumHTTP
import AtriumLedger
import AtriumPayments
import Foundation
import Hummingbird
import HTTPTypes
import NIOCore

/// HTTP face of the sandbox PSP. The dispatcher hands it requests for the sandbox host only.
struct SandboxPSPRoutes: Sendable {
    let psp: SandboxPSP
    let renderer: Renderer
    /// Whether a URL host is one of this server's brand hosts (callbacks and returns go only there).
    let isBrandHost: @Sendable (String) async -> Bool

    func register(on router: Router<AtriumRequestContext>) {
        router.get("/sandbox-psp") { req, _ in dashboard(req) }
        router.post("/sandbox-psp/v1/checkout/sessions") { req, _ in try await createSession(req, dialect: .card) }
        router.post("/sandbox-psp/crypto/v1/invoice") { req, _ in try await createSession(req, dialect: .crypto) }
        router.post("/sandbox-psp/v1/payouts") { req, _ in try await createPayout(req) }
        router.get("/sandbox-psp/checkout/:id") { req, ctx in try checkoutPage(req, ctx) }
        router.post("/sandbox-psp/checkout/:id") { req, ctx in try await decide(req, ctx) }
        router.post("/sandbox-psp/control") { req, _ in try await control(req) }
    }

    static func stripeError(_ message: String, status: HTTPResponse.Status) -> Response {
        SandboxResponses.json(["error": ["type": "invalid_request_error", "message": message]], status: status)
    }

    func origin(_ req: Request) -> String {
        "http://" + (req.head.headerFields[HTTPField.Name("Host")!] ?? req.head.authority ?? "127.0.0.1")
    }

    func body(_ req: Request) async throws -> [String: String] {
        var req = req
        let raw = Data(buffer: try await req.collectBody(upTo: 64 * 1024))
        if req.headers[.contentType]?.hasPrefix("application/json") == true {
            let object = (try? JSONSerialization.jsonObject(with: raw)) as? [String: Any] ?? [:]
            return object.mapValues { "\($0)" }
        }
        return SandboxResponses.formFields(String(decoding: raw, as: UTF8.self))
    }

    func simulateLatency() async {
        let ms = psp.state.withLock { $0.latencyMilliseconds }
        if ms > 0 { try? await Task.sleep(for: .milliseconds(ms)) }
    }

    /// Whether `url` may receive this sandbox's callbacks (`callback`) or its client (a return
    /// URL): http(s), a brand host of this server, and for callbacks the PSP callback path.
    func allowed(_ url: String, callback: Bool) async -> Bool {
        guard let u = URLComponents(string: url), let scheme = u.scheme, ["http", "https"].contains(scheme), let host = u.host,
              u.user == nil, u.password == nil else { return false }
        if callback && !u.path.hasPrefix("/psp/callback/") { return false }
        return await isBrandHost(host)
    }

    func apiKey(_ req: Request, dialect: SandboxPSP.Dialect) -> String {
        dialect == .card
            ? (req.headers[.authorization] ?? "").replacingOccurrences(of: "Bearer ", with: "")
            : (req.headers[HTTPField.Name("x-api-key")!] ?? "")
    }

    func createSession(_ req: Request, dialect: SandboxPSP.Dialect) async throws -> Response {
        await simulateLatency()
        let key = apiKey(req, dialect: dialect)
        guard psp.keys.isIssued(apiKey: key) else { return Self.stripeError("Invalid API key provided", status: .unauthorized) }
        if psp.state.withLock({ $0.failCheckouts }) { return Self.stripeError("sandbox: checkout creation is switched to fail", status: .serviceUnavailable) }
        let f = try await body(req)
        let amount = Int64(f["amount"] ?? f["price_amount_minor"] ?? "") ?? 0
        let currency = (f["currency"] ?? f["price_currency"] ?? "").uppercased()
        let reference = f["client_reference_id"] ?? f["order_id"] ?? ""
        let notify = f["notify_url"] ?? f["ipn_callback_url"] ?? ""
        guard amount > 0, currency.count == 3, !reference.isEmpty, !notify.isEmpty,
              let success = f["success_url"], let cancel = f["cancel_url"] else {
            return Self.stripeError("amount, currency, reference, success_url, cancel_url and notify_url are required", status: .badRequest)
        }
        guard await allowed(notify, callback: true) else {
            return Self.stripeError("notify_url: must be a brand host of this server with the path /psp/callback/<psp>", status: .badRequest)
        }
        guard await allowed(success, callback: false), await allowed(cancel, callback: false) else {
            return Self.stripeError("success_url and cancel_url: must be brand hosts of this server", status: .badRequest)
        }
        let id = SandboxPSP.newID(dialect == .card ? "cs_test" : "inv")
        let session = SandboxPSP.Session(id: id, dialect: dialect, apiKey: key, amount: amount, currency: currency, reference: reference,
                                         successURL: success, cancelURL: cancel, notifyURL: notify, createdAt: Date(), status: "open")
        psp.state.withLock { $0.add(session, now: Date()) }
        psp.note("\(dialect.rawValue) session \(id) for \(reference): \(amount) \(currency)")
        let url = "\(origin(req))/sandbox-psp/checkout/\(id)"
        return dialect == .card
            ? SandboxResponses.json(["id": id, "object": "checkout.session", "url": url, "status": "open"])
            : SandboxResponses.json(["id": id, "invoice_url": url, "order_id": reference])
    }

    func createPayout(_ req: Request) async throws -> Response {
        await simulateLatency()
        let key = apiKey(req, dialect: .card)
        guard psp.keys.isIssued(apiKey: key) else { return Self.stripeError("Invalid API key provided", status: .unauthorized) }
        if psp.state.withLock({ $0.failPayouts }) { return Self.stripeError("sandbox: payouts are switched to fail", status: .serviceUnavailable) }
        let f = try await body(req)
        guard let amount = Int64(f["amount"] ?? ""), amount > 0, let reference = f["metadata[reference]"], let notify = f["notify_url"] else {
            return Self.stripeError("amount, metadata[reference] and notify_url are required", status: .badRequest)
        }
        guard await allowed(notify, callback: true) else {
            return Self.stripeError("notify_url: must be a brand host of this server with the path /psp/callback/<psp>", status: .badRequest)
        }
        let idempotency = req.headers[HTTPField.Name("Idempotency-Key")!] ?? SandboxPSP.newID("idem")
        // The same Idempotency-Key returns the first payout and sends nothing new (as Stripe does).
        let (id, isNew) = psp.state.withLock { $0.payout(idempotencyKey: idempotency, now: Date()) }
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
        return SandboxResponses.json(["id": id, "object": "payout", "amount": amount, "status": "pending"])
    }

    func sessionView(_ s: SandboxPSP.Session) -> [String: Any] {
        ["id": s.id, "reference": s.reference, "amount": Money.format(s.amount, exponent: Currency(s.currency)?.exponent ?? 2), "currency": s.currency,
         "status": s.status, "crypto": s.dialect == .crypto, "card": s.dialect == .card]
    }

    func checkoutPage(_ req: Request, _ ctx: AtriumRequestContext) throws -> Response {
        let id = ctx.parameters.get("id") ?? ""
        guard let s = psp.state.withLock({ $0.sessions[id] }) else {
            return Responses.html(try renderer.render("sandbox/checkout", brand: nil, context: ["missing": true]), formActions: [], status: .notFound)
        }
        // The decision form redirects back to the merchant: allow exactly its return origins.
        let origins = Set([s.successURL, s.cancelURL].compactMap { URLComponents(string: $0) }.compactMap { u -> String? in
            guard let scheme = u.scheme, let host = u.host else { return nil }
            return "\(scheme)://\(host)\(u.port.map { ":\($0)" } ?? "")"
        })
        let html = try renderer.render("sandbox/checkout", brand: nil, context: ["session": sessionView(s), "open": s.status == "open"])
        return Responses.html(html, formActions: origins.sorted())
    }

    func decide(_ req: Request, _ ctx: AtriumRequestContext) async throws -> Response {
        let id = ctx.parameters.get("id") ?? ""
        let f = try await body(req)
        let outcome = f["outcome"] ?? ""
        let delivery = f["delivery"] ?? "on_time"
        guard ["approve", "decline", "timeout", "underpay", "overpay"].contains(outcome),
              ["on_time", "late", "duplicate", "out_of_order"].contains(delivery) else {
            return Responses.text("outcome must be approve, decline, timeout, underpay or overpay; delivery on_time, late, duplicate or out_of_order\n",
                                         status: .badRequest)
        }
        let session = psp.state.withLock { s -> SandboxPSP.Session? in
            guard var session = s.sessions[id], session.status == "open" else { return nil }
            session.status = outcome
            session.payerName = String((f["payer_name"] ?? "").trimmingCharacters(in: .whitespaces).prefix(200))
            s.sessions[id] = session
            return session
        }
        guard let session else { return Responses.text("this checkout is not open\n", status: .conflict) }
        psp.note("checkout \(id): \(outcome), delivery \(delivery)")
        await psp.settle(session, outcome: outcome, delivery: delivery)
        return Responses.seeOther(outcome == "decline" ? session.cancelURL : session.successURL)
    }

    /// Test switches: make checkouts or payouts fail, or add latency to API calls.
    func control(_ req: Request) async throws -> Response {
        let f = try await body(req)
        func flag(_ name: String) -> Bool? { f[name].map { ["1", "true", "yes", "on"].contains($0.lowercased()) } }
        let s = psp.state.withLock { s in
            if let v = flag("fail_checkouts") { s.failCheckouts = v }
            if let v = flag("fail_payouts") { s.failPayouts = v }
            if let v = f["latency_ms"].flatMap(Int.init) { s.latencyMilliseconds = max(0, min(v, 60_000)) }
            return (s.failCheckouts, s.failPayouts, s.latencyMilliseconds)
        }
        return SandboxResponses.json(["fail_checkouts": s.0, "fail_payouts": s.1, "latency_ms": s.2])
    }

    func dashboard(_ req: Request) -> Response {
        let (failCheckouts, failPayouts, latency, log, sessions, payouts) = psp.state.withLock {
            ($0.failCheckouts, $0.failPayouts, $0.latencyMilliseconds, Array($0.log.suffix(50)), $0.sessions.count, $0.payouts.count)
        }
        let lines = ["Atrium sandbox PSP (development only)", "", "Webhook signing secret of an API key: GET /sandbox-psp?key=<api key>",
                     "Switches: fail_checkouts=\(failCheckouts) fail_payouts=\(failPayouts) latency_ms=\(latency)",
                     "Kept: \(sessions) session(s), \(payouts) payout(s)", "", "Recent activity:"] + log
        var text = lines.joined(separator: "\n") + "\n"
        if let key = req.uri.queryParameters.get("key").map({ String($0) }), psp.keys.isIssued(apiKey: key) {
            text = "webhook secret for \(key): \(psp.keys.webhookSecret(apiKey: key))\n\n" + text
        }
        return Responses.text(text)
    }
}
