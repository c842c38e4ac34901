import AtriumCore
import AtriumLedger
import AtriumMT5
import AtriumTrading
import Foundation
import Testing

@Suite("Trading platform protocol pieces")
struct TradingProtocolTests {
    /// Vector computed with Python's hashlib, independently of MT5Auth:
    /// h = md5(md5(pw.encode('utf-16le')).digest() + b'WebAPI').digest(); md5(h + rand).hexdigest()
    @Test("MT5 challenge answers match an independently computed vector")
    func mt5AuthVector() throws {
        let hash = MT5Auth.passwordHash("Sandbox-Manager-1")
        #expect(Hex.encode(hash) == "776b7a478fed342acc477c889df5b0d5")
        let srv = try #require(Hex.decode("00112233445566778899aabbccddeeff"))
        let cli = try #require(Hex.decode("0f1e2d3c4b5a69788796a5b4c3d2e1f0"))
        #expect(MT5Auth.answer(passwordHash: hash, random: srv) == "2c889cb1c1b3bdf0956648d24b9fac67")
        #expect(MT5Auth.answer(passwordHash: hash, random: cli) == "2501ca4cd55999fcb1d4e8e3cec9b430")
        #expect(MT5Auth.answer(passwordHash: MT5Auth.passwordHash("sandbox-manager-1"), random: srv) != "2c889cb1c1b3bdf0956648d24b9fac67")
        #expect(Hex.decode("0g") == nil)
        #expect(Hex.decode("abc") == nil)
    }

    @Test("rights bitmask: access levels touch only ENABLED and TRADE_DISABLED")
    func rights() {
        let base = MT5Rights.defaultRights
        #expect(base == 0x163)
        #expect(MT5Rights.access(base) == .enabled)
        let readOnly = MT5Rights.applying(.readOnly, to: base)
        #expect(readOnly == 0x167)
        #expect(MT5Rights.access(readOnly) == .readOnly)
        let disabled = MT5Rights.applying(.disabled, to: readOnly)
        #expect(disabled == 0x166)
        #expect(MT5Rights.access(disabled) == .disabled)
        #expect(MT5Rights.applying(.enabled, to: disabled) == 0x163)
        // Bits Atrium does not manage (here OTP 0x800) survive every change.
        #expect(MT5Rights.applying(.readOnly, to: base | 0x800) & 0x800 == 0x800)
    }

    @Test("platform decimals parse into minor units exactly, or are refused")
    func decimals() {
        #expect(DecimalText.minor("100.00", exponent: 2) == 10_000)
        #expect(DecimalText.minor("-12.3", exponent: 2) == -1_230)
        #expect(DecimalText.minor("7", exponent: 2) == 700)
        #expect(DecimalText.minor("0.10", exponent: 4) == 1_000)
        #expect(DecimalText.minor("1.230", exponent: 2) == 123)
        #expect(DecimalText.minor("1.234", exponent: 2) == nil)
        #expect(DecimalText.minor("1.239", exponent: 2, exact: false) == 123)
        #expect(DecimalText.minor("-0.019", exponent: 2, exact: false) == -1)
        for bad in ["", "-", ".", "1e5", "12,50", "abc", "1.2.3", "99999999999999999999"] {
            #expect(DecimalText.minor(bad, exponent: 2) == nil, "\(bad)")
        }
    }

    @Test("transfer references fit an MT5 comment and differ per transfer")
    func references() {
        let a = Trading.reference(UUID()), b = Trading.reference(UUID())
        #expect(a.count == 31)
        #expect(a != b)
        #expect(a.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
    }

    @Test("the client-side throttle lets a tenth of the limit through at once, then spaces requests out")
    func throttle() async throws {
        let throttle = RequestThrottle(requests: 40, per: 2)  // burst 4, then 12 a second
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<4 { try await throttle.acquire() }
        #expect(clock.now - start < .milliseconds(50))
        try await throttle.acquire()
        let fifth = clock.now - start
        #expect(fifth >= .milliseconds(50), "a fifth request waits for a token (\(fifth))")
        await throttle.pause(seconds: 1)
        let paused = clock.now
        try await throttle.acquire()
        #expect(clock.now - paused >= .milliseconds(900), "after a 429 nobody sends until Retry-After has passed")
    }

    /// The soak's rate-limit 503s: a bucket as large as the limit, refilled at the limit's rate, let
    /// nearly twice the limit through in the first minute, and two servers each had the whole limit.
    @Test("the throttle never lets more than the limit through in one window, and each of N servers keeps to its share")
    func throttleConformsToTheWindow() async throws {
        #expect((490...500).contains(RequestThrottle(requests: 500, per: 60).maximum(inWindowOf: 60)))
        #expect((240...250).contains(RequestThrottle(requests: 500, per: 60, servers: 2).maximum(inWindowOf: 60)))
        #expect((160...166).contains(RequestThrottle(requests: 500, per: 60, servers: 3).maximum(inWindowOf: 60)))
        #expect(RequestThrottle(requests: 1, per: 60).maximum(inWindowOf: 60) == 1)
        // As many acquisitions as possible within the first second: never more than the limit.
        let throttle = RequestThrottle(requests: 20, per: 1)
        let clock = ContinuousClock()
        let end = clock.now + .milliseconds(950)
        var taken = 0
        while clock.now < end {
            try await throttle.acquire()
            if clock.now < end { taken += 1 }
        }
        #expect(taken <= 20 && taken >= 2, "\(taken) requests in under a second")
    }

    @Test("ATRIUM_APP_SERVERS: default 1, a bad or zero value names the variable, and the directory's clients take their share")
    func appServersSetting() throws {
        #expect(try AppConfig.fromEnvironment(["ATRIUM_ENV": "development"]).appServers == 1)
        let config = try AppConfig.fromEnvironment(["ATRIUM_ENV": "development", "ATRIUM_APP_SERVERS": "2"])
        #expect(config.appServers == 2)
        for bad in ["0", "65", "two"] {
            #expect(throws: ConfigError.invalid(key: "ATRIUM_APP_SERVERS", expected: "an integer in 1...64", got: bad)) {
                _ = try AppConfig.fromEnvironment(["ATRIUM_ENV": "production", "ATRIUM_APP_SERVERS": bad])
            }
        }
        let directory = PlatformDirectory(environment: ["KITE_MATCHTRADER_API_KEY": "k"], sandboxURL: "http://127.0.0.1:1", servers: config.appServers)
        let client = try #require(try directory.platform(KYCEngineTests.brand("kite"), connection: "mtr-live") as? MatchTraderClient)
        #expect((240...250).contains(client.throttle.maximum(inWindowOf: 60)))
    }

    @Test("a caller meeting a platform pause longer than its patience is told at once, not kept waiting")
    func throttleImpatience() async throws {
        let throttle = RequestThrottle(requests: 500, per: 60)
        await throttle.pause(seconds: 30)
        let clock = ContinuousClock()
        let start = clock.now
        await #expect(throws: PlatformError.self) { try await throttle.acquire(patience: .seconds(5)) }
        #expect(clock.now - start < .seconds(1))
        do {
            try await throttle.acquire(patience: .seconds(5))
        } catch PlatformError.rateLimited(let seconds) {
            #expect(seconds >= 29 && seconds <= 31)
        }
    }

    @Test("platform errors: only a timeout is ambiguous; user-facing errors never carry platform detail")
    func errorVocabulary() {
        #expect(PlatformError.timeout("x").isAmbiguous)
        for e: PlatformError in [.authFailed("x"), .notFound("x"), .rejected(code: "10019", message: "x"), .unavailable("x"), .rateLimited(retryAfterSeconds: 3), .malformed("x")] {
            #expect(!e.isAmbiguous)
        }
        #expect(TradingError.from(.unavailable("connection refused")).publicMessage == "error_platform_unavailable")
        #expect(TradingError.from(.authFailed("manager 1000")).publicMessage == "error_platform_unavailable")
        #expect(TradingError.from(.rejected(code: "10019", message: "Not enough money")).publicMessage == "error_platform_rejected")
        #expect(TradingError.from(.unavailable("x")).status == 503)
    }
}
