import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The HTTP methods WebDriver commands use.
enum WebDriverMethod: String, Sendable {
    /// Read commands.
    case GET
    /// Commands with a JSON body.
    case POST
    /// Session, cookie and similar deletions.
    case DELETE
}

/// A running `chromedriver` process and the HTTP client used to speak W3C WebDriver to it.
///
/// Always call ``shutdown()`` (or use ``withDriver(port:isolation:_:)``): it closes any
/// sessions still open, stops the process and shuts the HTTP client down.
final class ChromeDriver: Sendable {
    /// Base URL of the driver's HTTP endpoint, e.g. `http://127.0.0.1:9515`.
    let baseURL: String
    /// The TCP port chromedriver listens on.
    let port: Int
    /// Path of the Chromium binary passed to every new session.
    let chromiumPath: String
    /// File receiving chromedriver's stdout and stderr.
    let logPath: String

    private let process: Mutex<Process?>
    private let client: HTTPClient
    private let openSessions = Mutex<Set<String>>([])

    private init(port: Int, chromiumPath: String, logPath: String, process: sending Process, client: HTTPClient) {
        self.baseURL = "http://127.0.0.1:\(port)"
        self.port = port
        self.chromiumPath = chromiumPath
        self.logPath = logPath
        self.process = Mutex(process)
        self.client = client
    }

    /// Launches chromedriver on `port` (a free one if nil) and waits until `GET /status` reports ready.
    ///
    /// The binary comes from `$CHROMEDRIVER`, else `chromedriver` on `$PATH`, else `/usr/bin/chromedriver`;
    /// Chromium from `$CHROME_BIN`, else `/usr/bin/chromium`, else `chromium` on `$PATH`.
    /// Starts chromedriver, opens one browser session of the given size, runs `body` with it, and
    /// shuts everything down whether or not `body` throws.
    static func withBrowser(width: Int = 1280, height: Int = 1000, _ body: (BrowserSession) async throws -> Void) async throws {
        let driver = try await start()
        do {
            let browser = try await driver.newSession(windowWidth: width, height: height)
            try await body(browser)
            try await browser.close()
        } catch {
            try? await driver.shutdown()
            throw error
        }
        try await driver.shutdown()
    }

    static func start(port: Int? = nil, readyTimeout: Duration = .seconds(20)) async throws -> ChromeDriver {
        let env = ProcessInfo.processInfo.environment
        let driverPath = try locate(env["CHROMEDRIVER"], names: ["chromedriver"], fallback: "/usr/bin/chromedriver")
        let chromium = try locate(env["CHROME_BIN"], names: ["chromium", "chromium-browser"],
                                  fallback: "/usr/bin/chromium", fallbackFirst: true)
        let port = try port ?? freePort()
        let logPath = FileManager.default.temporaryDirectory.appendingPathComponent("chromedriver-\(port).log").path
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))

        let process = Process()
        process.executableURL = URL(fileURLWithPath: driverPath)
        process.arguments = ["--port=\(port)"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        do { try process.run() } catch {
            throw WebDriverError.driverStartFailed("cannot launch \(driverPath): \(error)")
        }
        try? log.close()
        let driver = ChromeDriver(port: port, chromiumPath: chromium, logPath: logPath,
                                  process: process, client: HTTPClient(eventLoopGroupProvider: .singleton))
        do {
            try await driver.waitUntilReady(timeout: readyTimeout)
        } catch {
            try? await driver.shutdown()
            throw error
        }
        return driver
    }

    /// Starts a driver, runs `body`, and always shuts the driver down afterwards.
    static func withDriver<T>(
        port: Int? = nil,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (ChromeDriver) async throws -> T
    ) async throws -> T {
        let driver = try await start(port: port)
        do {
            let result = try await body(driver)
            try await driver.shutdown()
            return result
        } catch {
            try? await driver.shutdown()
            throw error
        }
    }

    /// Closes open sessions, terminates chromedriver (SIGKILL after 5 s) and shuts down the HTTP client.
    /// Safe to call more than once.
    func shutdown() async throws {
        guard let process = process.withLock({ $0.take() }) else { return }
        for id in openSessions.withLock({ s in defer { s.removeAll() }; return s }) {
            _ = try? await command(.DELETE, "/session/\(id)")
        }
        if process.isRunning { process.terminate() }
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning && ContinuousClock.now < deadline && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try await client.shutdown()
    }

    /// Creates a new headless Chromium session with the given window size and extra Chromium flags.
    func newSession(windowWidth: Int = 1280, height: Int = 900, extraArgs: [String] = []) async throws -> BrowserSession {
        let args = ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                    "--window-size=\(windowWidth),\(height)"] + extraArgs
        let caps: [String: Any] = [
            "browserName": "chrome",
            "timeouts": ["pageLoad": 30_000, "script": 30_000, "implicit": 0],
            "goog:chromeOptions": ["binary": chromiumPath, "args": args],
        ]
        let value = try await command(.POST, "/session", ["capabilities": ["alwaysMatch": caps]])
        guard let id = (value as? [String: Any])?["sessionId"] as? String else {
            throw WebDriverError.badResponse("POST /session returned no sessionId: \(String(describing: value))")
        }
        openSessions.withLock { _ = $0.insert(id) }
        return BrowserSession(id: id, driver: self)
    }

    /// Forgets a session that was closed through ``BrowserSession/close()``.
    func sessionClosed(_ id: String) {
        openSessions.withLock { _ = $0.remove(id) }
    }

    /// Sends one WebDriver command and returns the response's `value` (nil for JSON null).
    /// Throws ``WebDriverError/w3c(error:message:status:command:)`` for error responses.
    func command(_ method: WebDriverMethod, _ path: String, _ body: [String: Any]? = nil) async throws -> Any? {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = HTTPMethod(rawValue: method.rawValue)
        if method == .POST {
            let data = try JSONSerialization.data(withJSONObject: body ?? [:])
            request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
            request.body = .bytes(ByteBuffer(bytes: data))
        }
        let response = try await client.execute(request, timeout: .seconds(90))
        var buffer = try await response.body.collect(upTo: 256 * 1024 * 1024)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        let label = "\(method.rawValue) \(path)"
        let json = bytes.isEmpty ? nil : try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        let value = (json as? [String: Any])?["value"]
        if let err = value as? [String: Any], let code = err["error"] as? String {
            throw WebDriverError.w3c(error: code, message: err["message"] as? String ?? "",
                                     status: Int(response.status.code), command: label)
        }
        guard (200..<300).contains(response.status.code), json != nil else {
            let text = String(decoding: bytes.prefix(500), as: UTF8.self)
            throw WebDriverError.badResponse("\(label) -> HTTP \(response.status.code): \(text)")
        }
        return value is NSNull ? nil : value
    }

    /// The last `maxBytes` of chromedriver's log, for error messages.
    func logTail(maxBytes: Int = 2000) -> String {
        guard let data = FileManager.default.contents(atPath: logPath) else { return "" }
        return String(decoding: data.suffix(maxBytes), as: UTF8.self)
    }

    // MARK: - Private helpers

    private func waitUntilReady(timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        var lastProblem = "no answer yet"
        while ContinuousClock.now < deadline {
            let exited = process.withLock { p in p.map { $0.isRunning ? nil : $0.terminationStatus } ?? nil }
            if let status = exited {
                throw WebDriverError.driverStartFailed("chromedriver on port \(port) exited with status \(status). Log:\n\(logTail())")
            }
            do {
                let value = try await command(.GET, "/status") as? [String: Any]
                if value?["ready"] as? Bool == true { return }
                lastProblem = "not ready: \(value?["message"] as? String ?? "?")"
            } catch {
                lastProblem = "\(error)"
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw WebDriverError.driverStartFailed(
            "chromedriver on port \(port) not ready after \(timeout) (\(lastProblem)). Log:\n\(logTail())")
    }

    /// Returns an executable path: `explicit` if given, else a PATH match for `names`, else `fallback`.
    private static func locate(_ explicit: String?, names: [String], fallback: String, fallbackFirst: Bool = false) throws -> String {
        let fm = FileManager.default
        if let explicit, !explicit.isEmpty {
            guard fm.isExecutableFile(atPath: explicit) else {
                throw WebDriverError.driverNotFound("\(explicit) (from environment) is not an executable file")
            }
            return explicit
        }
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        let onPath = names.lazy.flatMap { name in dirs.lazy.map { "\($0)/\(name)" } }.first { fm.isExecutableFile(atPath: $0) }
        let candidates = fallbackFirst ? [fallback, onPath] : [onPath, fallback]
        if let found = candidates.compactMap({ $0 }).first(where: { fm.isExecutableFile(atPath: $0) }) { return found }
        throw WebDriverError.driverNotFound("none of \(names) on PATH and no \(fallback) (apt-get install chromium chromium-driver)")
    }

    /// Asks the kernel for a free TCP port on 127.0.0.1 by binding port 0.
    static func freePort() throws -> Int {
        guard let port = bindLoopback(port: 0) else { throw WebDriverError.driverStartFailed("cannot find a free port: errno \(errno)") }
        return port
    }

    /// Whether `port` on 127.0.0.1 can be bound right now.
    static func isFree(port: Int) -> Bool { bindLoopback(port: port) != nil }

    /// Binds a TCP socket to 127.0.0.1:`port` (0: any), returns the bound port and closes it.
    private static func bindLoopback(port: Int) -> Int? {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { ptr in
            ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bind(fd, sa, len) == 0 && getsockname(fd, sa, &len) == 0
            }
        }
        return ok ? Int(UInt16(bigEndian: addr.sin_port)) : nil
    }
}
