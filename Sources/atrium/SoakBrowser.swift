import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One simulated person at one brand, talking to nginx: keeps cookies, fills CSRF tokens, times and
/// records every request in a `SoakRecorder`. A step returns nil when its response was not the
/// expected one (already counted as an error), so the journey stops there.
final class SoakBrowser: @unchecked Sendable {
    struct Reply {
        let status: Int
        let body: String
        let location: String
        let upstream: String
    }

    let http: HTTPClient
    let base: String
    let host: String
    let recorder: SoakRecorder
    var cookies: [String: String] = [:]
    /// The server that created this browser's session; later answers from the other one count as cross-server.
    var sessionUpstream: String?

    init(http: HTTPClient, base: String, host: String, recorder: SoakRecorder) {
        self.http = http
        self.base = base
        self.host = host
        self.recorder = recorder
    }

    static func csrf(_ html: String) -> String { first(#"name="_csrf" value="([^"]+)""#, in: html) ?? "" }

    /// The first capture group of `pattern` in `text`.
    static func first(_ pattern: String, in text: String) -> String? {
        guard let regex = try? NSRegularExpression(pattern: pattern),
              let m = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)), m.numberOfRanges > 1,
              let r = Range(m.range(at: 1), in: text) else { return nil }
        return String(text[r])
    }

    static func formBody(_ fields: [String: String]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
    }

    @discardableResult
    func get(_ path: String, expect: Set<Int> = [200], label: String? = nil) async -> Reply? {
        await send(label ?? "GET \(Self.route(path))", method: .GET, path: path, body: nil, headers: [], expect: expect)
    }

    /// GETs `page` for its CSRF token, then POSTs the form.
    func post(_ path: String, _ fields: [String: String], csrfFrom page: String, expect: Set<Int> = [303], label: String? = nil) async -> Reply? {
        guard let form = await get(page) else { return nil }
        var fields = fields
        fields["_csrf"] = Self.csrf(form.body)
        return await send(label ?? "POST \(Self.route(path))", method: .POST, path: path, body: Array(Self.formBody(fields).utf8),
                          headers: [("Content-Type", "application/x-www-form-urlencoded")], expect: expect)
    }

    /// A route label without ids, so errors group by route.
    static func route(_ path: String) -> String {
        let plain = path.split(separator: "?")[0]
        return plain.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.count >= 32 && part.contains("-") ? ":id" : String(part)
        }.joined(separator: "/")
    }

    func send(_ label: String, method: HTTPMethod, path: String, body: [UInt8]?, headers: [(String, String)], expect: Set<Int>) async -> Reply? {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "Host", value: host)
        if !cookies.isEmpty { request.headers.add(name: "Cookie", value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")) }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let at = recorder.elapsedSeconds()
        let clock = ContinuousClock.now
        do {
            let response = try await http.execute(request, timeout: .seconds(30))
            let text = String(buffer: try await response.body.collect(upTo: 8 << 20))
            let ms = BenchTrading.seconds(ContinuousClock.now - clock) * 1000
            for value in response.headers["Set-Cookie"] {
                let pair = value.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
                guard pair.count == 2 else { continue }
                if pair[1].isEmpty || value.contains("Max-Age=0") { cookies[String(pair[0])] = nil } else { cookies[String(pair[0])] = String(pair[1]) }
            }
            let upstream = response.headers.first(name: "X-Atrium-Upstream") ?? ""
            let ok = expect.contains(Int(response.status.code))
            recorder.record(label, startedAt: at, milliseconds: ms, status: Int(response.status.code), ok: ok, upstream: upstream.isEmpty ? nil : upstream,
                            detail: Self.first(#"role="alert">([^<]+)<"#, in: text) ?? (text.isEmpty ? (response.headers.first(name: "Location") ?? "") : text))
            if ok, let first = sessionUpstream, !upstream.isEmpty, upstream != first, response.status.code < 400 { recorder.crossServer() }
            return ok ? Reply(status: Int(response.status.code), body: text, location: response.headers.first(name: "Location") ?? "", upstream: upstream) : nil
        } catch {
            let ms = BenchTrading.seconds(ContinuousClock.now - clock) * 1000
            recorder.record(label, startedAt: at, milliseconds: ms, status: nil, ok: false, upstream: nil, detail: "\(error)")
            return nil
        }
    }
}
