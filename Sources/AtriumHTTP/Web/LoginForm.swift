import AtriumCore
import AtriumIdentity
import Hummingbird

extension Pages {
    /// Handles any login form: reads and checks the form, runs `attempt`, then either sets the
    /// rotated session cookie and redirects to `home`, or shows the form again with the reason.
    func loginForm(_ req: Request, _ ctx: some AtriumContext, audience: Audience, template: String, title: String, home: String,
                   attempt: (_ email: String, _ password: String, _ oldToken: String?) async throws -> LoginResult) async throws -> Response {
        let t = strings(req, ctx)
        var email = ""
        do {
            let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            email = try Forms.required(form, "email", max: 254, strings: t)
            let password = try Forms.required(form, "password", max: PasswordHasher.maximumLength, strings: t)
            switch try await attempt(email, password, req.cookies[audience.cookieName]?.value) {
            case .success(let token, _):
                var response = Responses.seeOther(home)
                response.setCookie(Responses.sessionCookie(audience, token: token, path: "/", secure: services.config.secureCookies))
                return response
            case .secondFactorRequired(let challenge):
                var response = Responses.seeOther("/login/2fa")
                response.setCookie(Cookie(name: SecurityRoutes.challengeCookie, value: challenge, maxAge: TwoFactor.challengeSeconds, path: "/",
                                          secure: services.config.secureCookies, httpOnly: true, sameSite: .lax))
                return response
            case .invalidCredentials:
                throw RequestRejected(status: 401, publicMessage: "error_invalid_credentials")
            case .locked:
                throw RequestRejected(status: 429, publicMessage: "error_rate_limited")
            }
        } catch {
            return try rejected(error, template: template, title: title, request: req, context: ctx, extra: ["values": ["email": email]])
        }
    }
}
