import AtriumCore
import Crypto
import Foundation

/// Stateless CSRF protection: a random cookie plus a form token that is an HMAC of it under a
/// server key. A cross-site form can neither read the cookie nor forge the token.
public struct CSRFProtector: Sendable {
    public static let cookieName = "atrium_csrf"
    public static let fieldName = "_csrf"
    let key: SymmetricKey

    public init(key: SymmetricKey) {
        self.key = key
    }

    /// The form token for a CSRF cookie value.
    public func token(for cookie: String) -> String {
        Token.base64url(Data(HMAC<SHA256>.authenticationCode(for: Data("csrf|\(cookie)".utf8), using: key)))
    }

    /// Constant-time check of a submitted token against the cookie.
    public func isValid(token: String?, cookie: String?) -> Bool {
        guard let token, let cookie, !cookie.isEmpty else { return false }
        let expected = Array(self.token(for: cookie).utf8)
        let given = Array(token.utf8)
        guard expected.count == given.count else { return false }
        var diff: UInt8 = 0
        for (a, b) in zip(expected, given) { diff |= a ^ b }
        return diff == 0
    }
}
