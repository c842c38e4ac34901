import AtriumMT5
import Foundation

/// MT5 session settings of the sandbox (the hash itself is `AtriumMT5.MT5Auth`).
enum MT5Sessions {
    /// Sessions end after this long without a request.
    static let idleMilliseconds: Int64 = 30 * 60 * 1_000
}

/// One MT5 session: a pending challenge until `auth/answer` succeeds.
struct MT5Session: Sendable {
    var manager: String
    var passwordHash: [UInt8]
    var serverRandom: [UInt8]
    var authenticated: Bool
    /// Unix ms of the last request.
    var lastSeen: Int64
}

extension SandboxHTTPRequest {
    /// The `MT5SESSION` cookie, if sent.
    var mt5SessionID: String? {
        guard let cookies = header("cookie") else { return nil }
        for part in cookies.split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces)
            if pair.hasPrefix("MT5SESSION=") { return String(pair.dropFirst("MT5SESSION=".count)) }
        }
        return nil
    }
}

extension SandboxPlatform {
    /// `auth/start`: a new session holding a challenge for the manager.
    func mt5AuthStart(_ request: SandboxHTTPRequest, clock: RequestClock) -> SandboxHTTPResponse {
        sessions = sessions.filter { clock.milliseconds - $0.value.lastSeen <= MT5Sessions.idleMilliseconds }
        guard let manager = request.query["login"], let password = configuration.managers[manager] else {
            return mt5(MT5Retcode.invalidAccount)
        }
        let id = Hex.random(bytes: 16)
        var generator = SystemRandomNumberGenerator()
        let serverRandom = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        sessions[id] = MT5Session(
            manager: manager, passwordHash: MT5Auth.passwordHash(password), serverRandom: serverRandom,
            authenticated: false, lastSeen: clock.milliseconds
        )
        return JSONOut.response(
            200,
            MT5AuthStart(retcode: MT5Retcode.done, versionAccess: "484", srvRand: Hex.encode(serverRandom)),
            headers: [("Set-Cookie", "MT5SESSION=\(id); Path=/")]
        )
    }

    /// `auth/answer`: checks the manager's answer and proves the server knows the password too.
    func mt5AuthAnswer(_ request: SandboxHTTPRequest, clock: RequestClock) -> SandboxHTTPResponse {
        guard let id = request.mt5SessionID, var session = sessions[id],
              clock.milliseconds - session.lastSeen <= MT5Sessions.idleMilliseconds
        else { return mt5(MT5Retcode.invalidAccount) }
        let expected = MT5Auth.answer(passwordHash: session.passwordHash, random: session.serverRandom)
        guard let given = request.query["srv_rand_answer"]?.lowercased(), given == expected,
              let clientText = request.query["cli_rand"], let clientRandom = Hex.decode(clientText),
              !clientRandom.isEmpty
        else {
            sessions[id] = nil
            return mt5(MT5Retcode.invalidAccount)
        }
        session.authenticated = true
        session.lastSeen = clock.milliseconds
        sessions[id] = session
        return JSONOut.response(
            200,
            MT5AuthAnswer(
                retcode: MT5Retcode.done,
                cliRandAnswer: MT5Auth.answer(passwordHash: session.passwordHash, random: clientRandom)
            )
        )
    }

    /// Whether the request carries a live authenticated session; touches it.
    func mt5Authenticate(_ request: SandboxHTTPRequest, clock: RequestClock) -> Bool {
        guard let id = request.mt5SessionID, var session = sessions[id], session.authenticated else { return false }
        guard clock.milliseconds - session.lastSeen <= MT5Sessions.idleMilliseconds else {
            sessions[id] = nil
            return false
        }
        session.lastSeen = max(session.lastSeen, clock.milliseconds)
        sessions[id] = session
        return true
    }

    /// A bare `{"retcode": …}` answer with HTTP 200.
    func mt5(_ retcode: String, status: Int = 200) -> SandboxHTTPResponse {
        JSONOut.response(status, MT5Envelope<MT5Empty>(retcode: retcode))
    }
}
