import Foundation
import AtriumCore
import AtriumIdentity
import AtriumStorage
import Crypto
import Testing

@Suite("Storage and identity helpers")
struct StorageUnitTests {
    @Test("the SQL splitter keeps quoted, dollar-quoted and commented semicolons inside statements")
    func splitter() {
        let sql = """
        -- comment; not a statement
        CREATE TABLE a (x text DEFAULT ';');
        CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;
        /* block; comment */ SELECT 'it''s; fine';
        DO $body$ BEGIN PERFORM 1; END $body$
        """
        let parts = SQLSplitter.statements(sql)
        #expect(parts.count == 4)
        #expect(parts[1].hasSuffix("END $$"))
        #expect(parts[2].contains("'it''s; fine'"))
        #expect(parts[3].hasPrefix("DO $body$"))
    }

    @Test("identifiers are validated before quoting")
    func identifiers() {
        #expect(SQLIdentifier("tenant_aurora")?.quoted == "\"tenant_aurora\"")
        #expect(SQLIdentifier("x\"; DROP TABLE y; --") == nil)
        #expect(SQLIdentifier("Upper") == nil)
        #expect(SQLIdentifier(String(repeating: "a", count: 64)) == nil)
    }

    @Test("database URLs parse and print back")
    func databaseURL() throws {
        let url = try DatabaseURL(parsing: "postgres://atrium:s3cret@127.0.0.1:6432/atrium")
        #expect(url.user == "atrium" && url.password == "s3cret" && url.port == 6432 && url.database == "atrium")
        #expect(url.string == "postgres://atrium:s3cret@127.0.0.1:6432/atrium")
        #expect(throws: StorageError.self) { try DatabaseURL(parsing: "mysql://x@y/z") }
    }

    @Test("config errors name the variable")
    func appConfig() throws {
        #expect(throws: ConfigError.invalid(key: "ATRIUM_PORT", expected: "an integer in 0...65535", got: "eighty")) {
            try AppConfig.fromEnvironment(["ATRIUM_PORT": "eighty"])
        }
        #expect(throws: ConfigError.invalid(key: "ATRIUM_TRADING_SYNC_SECONDS", expected: "an integer in 1...3600", got: "0")) {
            try AppConfig.fromEnvironment(["ATRIUM_TRADING_SYNC_SECONDS": "0"])
        }
        #expect(throws: ConfigError.invalid(key: "ATRIUM_SANDBOX_PLATFORM_URL", expected: "an http(s) URL", got: "127.0.0.1:8091")) {
            try AppConfig.fromEnvironment(["ATRIUM_SANDBOX_PLATFORM_URL": "127.0.0.1:8091"])
        }
        let c = try AppConfig.fromEnvironment([:])
        #expect(c.port == 8080 && c.consoleHost == "ops.localhost" && c.databaseURL == nil)
        #expect(c.sandboxPlatformURL == "http://127.0.0.1:8091" && c.platformTimeoutSeconds == 10 && c.tradingRecoverySeconds == 30 && c.tradingSync)
    }

    @Test("CSRF tokens are bound to the cookie")
    func csrf() {
        let p = CSRFProtector(key: SymmetricKey(size: .bits256))
        let token = p.token(for: "cookie-a")
        #expect(p.isValid(token: token, cookie: "cookie-a"))
        #expect(!p.isValid(token: token, cookie: "cookie-b"))
        #expect(!p.isValid(token: nil, cookie: "cookie-a"))
        #expect(!p.isValid(token: token, cookie: ""))
    }
}

@Suite("Tokens")
struct TokenTests {
    @Test("base64url matches Foundation's base64 with the URL alphabet and no padding")
    func base64url() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(($0 * 37 + 11) % 256) }
            let reference = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            #expect(Token.base64url(bytes) == reference)
        }
        #expect(Token.random().count == 43)
        #expect(Token.random() != Token.random())
    }
}
