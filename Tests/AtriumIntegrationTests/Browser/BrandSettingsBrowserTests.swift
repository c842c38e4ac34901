import AtriumHTTP
import AtriumTenancy
import Foundation
import Testing

@Suite("Brand settings in a real browser", .serialized, .timeLimit(.minutes(3)))
struct BrandSettingsBrowserTests {
    static let shots = TestCluster.repoRoot + "/.atrium/screenshots"

    @Test("an admin changes the brand's colour and uploads a logo; the Trader's Room shows both")
    func colourAndLogo() async throws {
        let credentials = ["AURORA_MT5_LOGIN": "1000", "AURORA_MT5_PASSWORD": "Sandbox-Manager-1", "ATRIUM_PLATFORM_TIMEOUT_SECONDS": "2"]
        let f = try await EditorsFixture.make("editorsbrowser", environment: credentials)
        let files = f.s.config.home + "/fixtures"
        try FileManager.default.createDirectory(atPath: files, withIntermediateDirectories: true)
        try Data(BrowserPNG.square(size: 96)).write(to: URL(fileURLWithPath: files + "/logo.png"))
        try await withLiveServer(f.s) { port in
            try await ChromeDriver.withBrowser(width: 1280, height: 1000) { b in
                func url(_ path: String) -> String { "http://aurora.localhost:\(port)\(path)" }
                func shot(_ name: String) async throws { _ = try await b.screenshot(to: "\(Self.shots)/\(name).png") }

                // The Trader's Room before: Aurora's blue, the logo from the brand folder.
                try await b.open(url("/"))
                _ = try await b.waitFor(css: ".brand-mark")
                #expect(try await b.evaluate("return getComputedStyle(document.documentElement).getPropertyValue('--brand-primary').trim();") == "\"#0b5fff\"")
                try await shot("editors-01-traders-room-before")

                try await b.open(url("/admin"))
                try await b.fill(["email": "admin@aurora.test", "password": "admin-demo-pass"], in: "#login-form")
                try await b.submit("#login-form")
                _ = try await b.waitFor(css: "#logout-form", timeout: .seconds(20))
                try await b.open(url("/admin/settings"))
                _ = try await b.waitFor(css: "#settings-editors")
                try await shot("editors-02-settings-index")

                try await b.find("#settings-editors [data-editor=branding] a").click()
                try await b.fill(["primary_color": "#c0392b"], in: "#branding-form")
                try await b.submit("#branding-form")
                _ = try await b.waitFor(css: ".alert-notice", timeout: .seconds(20))
                #expect(try await b.find(".alert-notice").text().contains("Saved as version"))
                try await shot("editors-03-branding-colour-saved")

                try await b.find("#logo-file").chooseFile(files + "/logo.png")
                try await b.submit("#logo-form")
                _ = try await b.waitFor(css: "#current-logo img", timeout: .seconds(20))
                #expect(try await b.find("#current-logo img").attribute("src")?.hasPrefix("/brand/assets/asset-") == true)
                _ = try await b.evaluate("document.querySelector('#current-logo').scrollIntoView(); return 1;")
                try await shot("editors-04-branding-logo-uploaded")

                // A bad colour is refused with the field named; nothing changes.
                try await b.open(url("/admin/settings/branding"))
                _ = try await b.evaluate("document.querySelector('#primary-color').removeAttribute('pattern'); return 1;")
                try await b.fill(["primary_color": "red"], in: "#branding-form")
                try await b.submit("#branding-form")
                _ = try await b.waitFor(css: "#settings-problems li[data-field='branding.primary_color']", timeout: .seconds(20))
                try await shot("editors-05-branding-refused")

                // Test connection against an endpoint where nothing listens: the platform's error is shown, nothing saved.
                try await b.open(url("/admin/settings/platforms"))
                try await b.fill(["endpoint": "http://127.0.0.1:9"], in: "#platform-mt5-live")
                try await b.find("#platform-test-mt5-live").click()
                _ = try await b.waitFor(css: "#test-result", timeout: .seconds(20))
                #expect(try await b.find("#test-result").text().contains("The platform did not answer"))
                try await shot("editors-06-platform-test-failed")

                // The other editors, as an admin sees them.
                for (page, form, name) in [("kyc", "#kyc-form", "editors-09-kyc-rules"), ("psps", "#psp-form", "editors-10-psps"),
                                           ("withdrawals", "#withdrawals-form", "editors-11-withdrawal-rules"), ("partners", "#partners-form", "editors-12-ib-defaults")] {
                    try await b.open(url("/admin/settings/\(page)"))
                    _ = try await b.waitFor(css: form)
                    try await shot(name)
                }

                // The Trader's Room after: the new colour and the uploaded logo, loaded from the tenant's assets.
                try await b.open(url("/"))
                _ = try await b.waitFor(css: ".brand-mark img")
                #expect(try await b.evaluate("return getComputedStyle(document.documentElement).getPropertyValue('--brand-primary').trim();") == "\"#c0392b\"")
                let src = try await b.find(".brand-mark img").attribute("src") ?? ""
                #expect(src.hasPrefix("/brand/assets/asset-") && src.hasSuffix(".png"))
                #expect(try await b.evaluate("const i = document.querySelector('.brand-mark img'); return i.complete && i.naturalWidth;") == "96")
                try await shot("editors-07-traders-room-after")
                try await b.open(url("/login"))
                _ = try await b.waitFor(css: ".brand-mark img")
                try await shot("editors-08-traders-room-login-after")
            }
        }
        #expect(try await f.config().branding.primaryColor == "#c0392b")
    }
}

/// A real, decodable PNG (stored deflate blocks, CRC-32 and Adler-32 computed) for the browser to draw.
enum BrowserPNG {
    /// A `size`×`size` RGB square: a red-to-gold gradient with a white diagonal band.
    static func square(size: Int) -> [UInt8] {
        var raw: [UInt8] = []
        for y in 0..<size {
            raw.append(0)
            for x in 0..<size {
                if abs(x - y) < size / 8 { raw += [255, 255, 255] } else { raw += [192, UInt8(57 + (x * 120) / size), 43] }
            }
        }
        func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return be32(UInt32(data.count)) + body + be32(crc32(body))
        }
        var zlib: [UInt8] = [0x78, 0x01]
        var offset = 0
        while offset < raw.count {
            let n = min(65_535, raw.count - offset)
            let last: UInt8 = offset + n == raw.count ? 1 : 0
            zlib += [last, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            zlib += raw[offset..<offset + n]
            offset += n
        }
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in raw { a = (a + UInt32(byte)) % 65_521; b = (b + a) % 65_521 }
        zlib += be32(b << 16 | a)
        let ihdr = be32(UInt32(size)) + be32(UInt32(size)) + [8, 2, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr) + chunk("IDAT", zlib) + chunk("IEND", [])
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            c ^= UInt32(byte)
            for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return ~c
    }
}
