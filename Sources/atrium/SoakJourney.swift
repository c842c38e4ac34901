import AsyncHTTPClient
import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumPayments
import AtriumStorage
import Foundation
import PostgresNIO

/// One trader's visit during the soak, every request through the proxy. A step whose response is
/// not the expected one is already counted as an error by `SoakBrowser`; the journey then ends.
struct SoakJourney {
    let s: AppServices
    let brand: SoakBrand
    let http: HTTPClient
    let base: String
    let recorder: SoakRecorder
    /// The brand's finance user, signed in once per worker and reused (its session crosses servers too).
    let staff: SoakBrowser
    let staffEmail: String
    let email: String

    func run() async {
        let web = SoakBrowser(http: http, base: base, host: brand.host, recorder: recorder)
        // Page views, anonymous.
        guard await web.get("/") != nil, await web.get("/login") != nil else { return }
        // Registration signs the trader in.
        guard let registered = await web.post("/register", ["name": "Soak Trader", "email": email, "password": "soak-long-enough-pass",
                                                           "country": "GB", "accept_terms": "yes"], csrfFrom: "/register") else { return }
        web.sessionUpstream = registered.upstream
        recorder.step("registrations")
        // KYC is approved out of band (documents and review are not what this load is about).
        do {
            try await s.tenantDB.transaction(brand.handle) { tx in
                try await tx.query("UPDATE users SET kyc_status = 'approved', kyc_approved_at = now() WHERE email = \(email) AND audience = 'trader'")
            }
        } catch {
            recorder.record("kyc approval (database)", startedAt: recorder.elapsedSeconds(), milliseconds: 0, status: nil, ok: false, upstream: nil, detail: "\(error)")
            return
        }
        guard await web.get("/wallet") != nil, await web.get("/profile") != nil else { return }
        guard await deposit(web) else { return }
        guard let account = await openAccount(web) else { return }
        for (direction, amount) in [("to_account", "200"), ("to_wallet", "50")] {
            guard await web.post("/accounts/\(account)/transfer", ["direction": direction, "amount": amount, "idem": UUID().uuidString],
                                 csrfFrom: "/accounts/\(account)") != nil else { return }
            recorder.step("transfers_\(direction)")
        }
        guard await withdraw(web) else { return }
        for path in ["/api/v1/clients?limit=10", "/api/v1/payments?limit=10"] {
            guard await web.send("GET \(path.split(separator: "?")[0])", method: .GET, path: path, body: nil,
                                 headers: [("Authorization", "Bearer \(brand.apiToken)")], expect: [200]) != nil else { return }
            recorder.step("api_calls")
        }
    }

    /// A sandbox-card deposit, completed by a callback the driver signs as the PSP would.
    private func deposit(_ web: SoakBrowser) async -> Bool {
        let idem = UUID().uuidString
        guard await web.post("/wallet/deposit", ["method": "sandbox-card", "currency": brand.currency, "amount": "500", "idem": idem], csrfFrom: "/wallet") != nil else { return false }
        let found: (String, Int64)?
        do {
            found = try await s.tenantDB.transaction(brand.handle) { tx in
                try await tx.query("SELECT reference, amount FROM payments WHERE idempotency_key = \(idem) AND kind = 'deposit'").collect().first?.decode((String, Int64).self)
            }
        } catch { found = nil }
        guard let (reference, amount) = found else {
            recorder.record("deposit lookup (database)", startedAt: recorder.elapsedSeconds(), milliseconds: 0, status: nil, ok: false, upstream: nil, detail: idem)
            return false
        }
        guard let body = try? Array(CanonicalJSON.text(BenchCheckoutEvent(id: "evt_\(UUID().uuidString)", amount: Int(amount), reference: reference, currency: brand.currency)).utf8) else { return false }
        let signature = StripeSignature.header(secret: brand.webhookSecret, timestamp: Int(Date().timeIntervalSince1970), body: body)
        let psp = SoakBrowser(http: http, base: base, host: brand.host, recorder: recorder)
        guard await psp.send("POST /psp/callback/sandbox-card", method: .POST, path: "/psp/callback/sandbox-card", body: body,
                             headers: [("Stripe-Signature", signature), ("Content-Type", "application/json")], expect: [200]) != nil else { return false }
        recorder.step("deposits_called_back")
        return true
    }

    /// Opens a live account with the first account type and leverage the form offers; returns its id.
    private func openAccount(_ web: SoakBrowser) async -> String? {
        guard let form = await web.get("/accounts/open") else { return nil }
        // The first account type, and the first leverage its label lists ("Standard (1:30, 1:100)").
        guard let rawType = SoakBrowser.first(#"name="type" required>\s*<option value="([^"]+)""#, in: form.body),
              let leverage = SoakBrowser.first(#"name="type" required>\s*<option [^>]*>[^<]*\(1:([0-9]+)"#, in: form.body) else {
            recorder.record("GET /accounts/open (form has no account type)", startedAt: recorder.elapsedSeconds(), milliseconds: 0, status: 200, ok: false, upstream: nil,
                            detail: String(form.body.prefix(200)))
            return nil
        }
        let type = rawType.replacingOccurrences(of: "&#x2F;", with: "/").replacingOccurrences(of: "&#47;", with: "/")
        guard await web.post("/accounts/open", ["type": type, "leverage": leverage, "kind": "live", "idem": UUID().uuidString],
                             csrfFrom: "/accounts/open", expect: [200, 303]) != nil else { return nil }
        guard let list = await web.get("/accounts"), let id = SoakBrowser.first(#"/accounts/([0-9a-f-]{36})"#, in: list.body) else {
            recorder.record("GET /accounts (no account listed)", startedAt: recorder.elapsedSeconds(), milliseconds: 0, status: 200, ok: false, upstream: nil, detail: "")
            return nil
        }
        recorder.step("accounts_opened")
        return id
    }

    /// Signs the worker's finance user in once; the brand requires TOTP, so the first page leads to
    /// enrolment, done as a person would with the secret shown there.
    private func staffSignIn() async -> Bool {
        guard let signedIn = await staff.post("/admin/login", ["email": staffEmail, "password": SoakBrand.staffPassword], csrfFrom: "/admin") else { return false }
        staff.sessionUpstream = signedIn.upstream
        let enrolment = "/admin/security/two-factor"
        guard signedIn.location == enrolment || signedIn.location == "/admin" else { return true }
        guard let page = await staff.get(enrolment) else { return false }
        guard let text = SoakBrowser.first(#"<code id="totp-secret">([A-Z2-7]+)</code>"#, in: page.body), let secret = Base32.decode(text),
              let code = TOTP.code(secret: secret, time: Date()) else {
            if page.body.contains("totp-secret") || staff.cookies.isEmpty { return false }
            return true
        }
        guard await staff.post(enrolment + "/enable", ["code": code], csrfFrom: enrolment, expect: [200]) != nil else { return false }
        recorder.step("staff_totp_enrolled")
        return true
    }

    /// A withdrawal, approved by the brand's finance user in the Back Office.
    private func withdraw(_ web: SoakBrowser) async -> Bool {
        guard let requested = await web.post("/wallet/withdraw", ["method": "sandbox-card", "currency": brand.currency, "amount": "100", "idem": UUID().uuidString],
                                             csrfFrom: "/wallet") else { return false }
        guard let id = SoakBrowser.first(#"/wallet/payments/([0-9a-f-]{36})"#, in: requested.location) else {
            recorder.record("POST /wallet/withdraw (no payment in Location)", startedAt: recorder.elapsedSeconds(), milliseconds: 0, status: requested.status, ok: false,
                            upstream: nil, detail: requested.location)
            return false
        }
        recorder.step("withdrawals_requested")
        if staff.cookies.isEmpty, !(await staffSignIn()) { return false }
        guard await staff.post("/admin/payments/\(id)/approve", [:], csrfFrom: "/admin/payments/withdrawals") != nil else { return false }
        recorder.step("withdrawals_approved")
        return true
    }
}
