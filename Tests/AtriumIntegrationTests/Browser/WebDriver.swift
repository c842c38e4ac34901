import AsyncHTTPClient
import Foundation

/// Failures while driving the browser.
enum WebDriverError: Error, Sendable, CustomStringConvertible {
    /// A W3C error response: `error` is the W3C error code (e.g. `"no such element"`, `"invalid session id"`).
    case w3c(error: String, message: String, status: Int, command: String)
    /// No element matched `selector` (within `scope`, if given).
    case elementNotFound(selector: String, scope: String?)
    /// `waitFor` gave up: nothing matched `selector` in time.
    case timeout(selector: String, after: Duration, url: String)
    /// `waitUntilGone` gave up: `selector` still matched after the time allowed.
    case stillPresent(selector: String, after: Duration, url: String)
    /// The chromedriver or Chromium binary could not be found.
    case driverNotFound(String)
    /// chromedriver did not launch or never reported ready.
    case driverStartFailed(String)
    /// The driver answered something that is not a WebDriver response.
    case badResponse(String)

    /// The W3C error code string, or a local one for errors raised on this side.
    var code: String {
        switch self {
        case .w3c(let error, _, _, _): error
        case .elementNotFound: "no such element"
        case .timeout, .stillPresent: "timeout"
        case .driverNotFound, .driverStartFailed: "session not created"
        case .badResponse: "unknown error"
        }
    }

    /// A readable explanation including the selector, command or log as relevant.
    var description: String {
        switch self {
        case let .w3c(error, message, status, command): "WebDriver \(command) failed [\(error), HTTP \(status)]: \(message)"
        case let .elementNotFound(selector, scope): "no element matches CSS `\(selector)`" + (scope.map { " inside `\($0)`" } ?? "")
        case let .timeout(selector, after, url): "no element matched CSS `\(selector)` within \(after) on \(url)"
        case let .stillPresent(selector, after, url): "CSS `\(selector)` still matched after \(after) on \(url)"
        case let .driverNotFound(msg): "chromedriver/chromium not found: \(msg)"
        case let .driverStartFailed(msg): "chromedriver failed to start: \(msg)"
        case let .badResponse(msg): "unexpected WebDriver response: \(msg)"
        }
    }
}

/// A cookie as reported by the browser for the current page.
struct BrowserCookie: Sendable, Equatable {
    /// Cookie name and value.
    var name, value: String
    /// Domain and path the cookie belongs to, if reported.
    var domain, path: String?
    /// The HttpOnly and Secure flags.
    var httpOnly, secure: Bool
    /// The SameSite attribute (`Lax`, `Strict`, `None`), if reported.
    var sameSite: String?
}

/// One browser session (one headless Chromium). Create with ``ChromeDriver/newSession(windowWidth:height:extraArgs:)``.
final class BrowserSession: Sendable {
    /// The WebDriver session id.
    let id: String
    /// The driver this session belongs to.
    let driver: ChromeDriver

    /// Wraps an existing session id; normally obtained from ``ChromeDriver/newSession(windowWidth:height:extraArgs:)``.
    init(id: String, driver: ChromeDriver) { (self.id, self.driver) = (id, driver) }

    /// Sends a command scoped to this session (`path` is relative to `/session/{id}`).
    func command(_ method: WebDriverMethod, _ path: String, _ body: [String: Any]? = nil) async throws -> Any? {
        try await driver.command(method, "/session/\(id)\(path)", body)
    }

    /// Navigates to `url` and waits for the page load to finish.
    func open(_ url: String) async throws { _ = try await command(.POST, "/url", ["url": url]) }

    /// The URL of the current page.
    func currentURL() async throws -> String { try await command(.GET, "/url") as? String ?? "" }

    /// The current page's `<title>`.
    func title() async throws -> String { try await command(.GET, "/title") as? String ?? "" }

    /// The current DOM serialized as HTML.
    func pageSource() async throws -> String { try await command(.GET, "/source") as? String ?? "" }

    /// The first element matching `css`; throws ``WebDriverError/elementNotFound(selector:scope:)`` if none.
    func find(_ css: String) async throws -> Element {
        do {
            return try Element.parse(try await command(.POST, "/element", Element.locator(css)), css, self)
        } catch let error as WebDriverError where error.code == "no such element" {
            throw WebDriverError.elementNotFound(selector: css, scope: nil)
        }
    }

    /// All elements matching `css`, in document order (possibly empty).
    func findAll(_ css: String) async throws -> [Element] {
        let list = try await command(.POST, "/elements", Element.locator(css)) as? [Any] ?? []
        return try list.map { try Element.parse($0, css, self) }
    }

    /// Polls every 100 ms until an element matches `css`, then returns it.
    func waitFor(css: String, timeout: Duration = .seconds(5)) async throws -> Element {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let element = try await findAll(css).first { return element }
            guard ContinuousClock.now < deadline else {
                throw WebDriverError.timeout(selector: css, after: timeout, url: (try? await currentURL()) ?? "?")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Polls every 100 ms until nothing matches `css` (for example after a form's submit has navigated away).
    func waitUntilGone(css: String, timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !findAll(css).isEmpty {
            guard ContinuousClock.now < deadline else {
                throw WebDriverError.stillPresent(selector: css, after: timeout, url: (try? await currentURL()) ?? "?")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Fills form controls found by `name` inside `formCSS`: text-like inputs are cleared and typed,
    /// `<select>`s pick the option with that value, checkboxes are (un)checked for "true"/"on"/"1"/"yes",
    /// and radios click the one with that value.
    /// Waits (up to 10 s) for the form first: under a loaded machine the previous navigation may still be rendering.
    func fill(_ fields: [String: String], in formCSS: String) async throws {
        _ = try await waitFor(css: formCSS, timeout: .seconds(10))
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            let byName = "\(formCSS) [name=\"\(Element.cssEscape(name))\"]"
            let element = try await find(byName)
            let type = try await element.attribute("type")?.lowercased()
            if try await element.tagName() == "select" {
                try await element.selectOption(value: value)
            } else if type == "checkbox" {
                let wanted = ["true", "on", "1", "yes", "checked"].contains(value.lowercased())
                if try await element.isSelected() != wanted { try await element.click() }
            } else if type == "radio" {
                try await find("\(byName)[value=\"\(Element.cssEscape(value))\"]").click()
            } else {
                try await element.type(value)
            }
        }
    }

    /// Submits the form matching `formCSS` by clicking its `[type=submit]` (or a bare `<button>`).
    func submit(_ formCSS: String) async throws {
        try await find("\(formCSS) [type=submit], \(formCSS) button:not([type])").click()
    }

    /// Saves a PNG screenshot of the viewport to `path`, creating parent directories.
    @discardableResult
    func screenshot(to path: String) async throws -> URL {
        guard let b64 = try await command(.GET, "/screenshot") as? String,
              let png = Data(base64Encoded: b64) else { throw WebDriverError.badResponse("screenshot was not base64") }
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try png.write(to: url)
        return url
    }

    /// Cookies visible to the current page.
    func cookies() async throws -> [BrowserCookie] {
        let list = try await command(.GET, "/cookie") as? [[String: Any]] ?? []
        return list.map {
            BrowserCookie(name: $0["name"] as? String ?? "", value: $0["value"] as? String ?? "",
                          domain: $0["domain"] as? String, path: $0["path"] as? String,
                          httpOnly: $0["httpOnly"] as? Bool ?? false, secure: $0["secure"] as? Bool ?? false,
                          sameSite: $0["sameSite"] as? String)
        }
    }

    /// Deletes all cookies of the current page's domain.
    func deleteCookies() async throws { _ = try await command(.DELETE, "/cookie") }

    /// Runs synchronous JavaScript (`return ...;`) and returns the result JSON-encoded (`"null"` for undefined).
    func evaluate(_ script: String, args: [String] = []) async throws -> String {
        let value = try await command(.POST, "/execute/sync", ["script": script, "args": args]) ?? NSNull()
        let data = try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// Ends the session and quits this Chromium.
    func close() async throws {
        driver.sessionClosed(id)
        _ = try await driver.command(.DELETE, "/session/\(id)")
    }
}

extension BrowserSession {
    /// A reference to a DOM element in a ``BrowserSession``.
    struct Element: Sendable {
        /// The W3C key under which element references are returned.
        static let referenceKey = "element-6066-11e4-a52e-4f735466cecf"
        /// The driver's opaque element id.
        let id: String
        /// The CSS selector that found this element (for error messages).
        let selector: String
        /// The owning session.
        let session: BrowserSession

        private func command(_ method: WebDriverMethod, _ path: String, _ body: [String: Any]? = nil) async throws -> Any? {
            try await session.command(method, "/element/\(id)\(path)", body)
        }

        /// Clicks the element (scrolling it into view first).
        func click() async throws { _ = try await command(.POST, "/click") }

        /// Clears the element, then types `text` into it.
        func type(_ text: String) async throws {
            _ = try await command(.POST, "/clear")
            _ = try await command(.POST, "/value", ["text": text])
        }

        /// Chooses a local file in an `<input type=file>`.
        func chooseFile(_ path: String) async throws { _ = try await command(.POST, "/value", ["text": path]) }

        /// The element's rendered (visible) text.
        func text() async throws -> String { try await command(.GET, "/text") as? String ?? "" }

        /// The attribute (or, per W3C, the matching property such as `value`), or nil if absent.
        func attribute(_ name: String) async throws -> String? { try await command(.GET, "/attribute/\(name)") as? String }

        /// A DOM property (e.g. `value`, `checked`): strings as-is, other values JSON-encoded; nil if null.
        func property(_ name: String) async throws -> String? {
            guard let value = try await command(.GET, "/property/\(name)") else { return nil }
            if let string = value as? String { return string }
            let data = try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys])
            return String(decoding: data, as: UTF8.self)
        }

        /// The lowercase tag name, e.g. `input`.
        func tagName() async throws -> String { (try await command(.GET, "/name") as? String ?? "").lowercased() }

        /// Whether a checkbox, radio or option is selected.
        func isSelected() async throws -> Bool { try await command(.GET, "/selected") as? Bool ?? false }

        /// The first descendant matching `css`.
        func find(_ css: String) async throws -> Element {
            do {
                return try Element.parse(try await command(.POST, "/element", Element.locator(css)), css, session)
            } catch let error as WebDriverError where error.code == "no such element" {
                throw WebDriverError.elementNotFound(selector: css, scope: selector)
            }
        }

        /// For a `<select>`: selects the `<option>` whose value attribute is `value`.
        func selectOption(value: String) async throws {
            try await find("option[value=\"\(Element.cssEscape(value))\"]").click()
        }

        /// For a `<select>`: selects the first `<option>` whose visible text (trimmed) equals `label`.
        func selectOption(label: String) async throws {
            let list = try await command(.POST, "/elements", Element.locator("option")) as? [Any] ?? []
            for option in try list.map({ try Element.parse($0, "option", session) }) {
                let text = try await option.text().trimmingCharacters(in: .whitespacesAndNewlines)
                if text == label { return try await option.click() }
            }
            throw WebDriverError.elementNotFound(selector: "option labelled \"\(label)\"", scope: selector)
        }

        /// The JSON body of a CSS-selector lookup.
        static func locator(_ css: String) -> [String: Any] { ["using": "css selector", "value": css] }

        /// Escapes `\` and `"` for use inside a double-quoted CSS attribute value.
        static func cssEscape(_ value: String) -> String {
            value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        }

        /// Builds an element from a W3C element reference object.
        static func parse(_ value: Any?, _ css: String, _ session: BrowserSession) throws -> Element {
            guard let id = (value as? [String: Any])?[referenceKey] as? String else {
                throw WebDriverError.badResponse("not an element reference for `\(css)`: \(String(describing: value))")
            }
            return Element(id: id, selector: css, session: session)
        }
    }
}
