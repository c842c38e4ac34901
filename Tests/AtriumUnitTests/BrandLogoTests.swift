import AtriumBrandConfig
import AtriumCore
import AtriumTenancy
import Testing

@Suite("Brand logo inspection by content")
struct BrandLogoTests {
    static func png(_ w: Int, _ h: Int) -> [UInt8] {
        func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + be32(13) + Array("IHDR".utf8) + be32(w) + be32(h) + [8, 6, 0, 0, 0, 0, 0, 0, 0]
    }

    @Test("PNG, JPEG and the three WebP kinds give their format and pixel size")
    func formats() throws {
        #expect(try BrandLogo.inspect(Self.png(300, 80)) == BrandLogo(format: .png, width: 300, height: 80))
        // SOI, an APP0 segment of 16 bytes, then SOF0: precision 8, height 0x00F0 (240), width 0x0140 (320).
        let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10] + Array(repeating: 0, count: 14) + [0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00, 0xF0, 0x01, 0x40, 0x03]
        #expect(try BrandLogo.inspect(jpeg) == BrandLogo(format: .jpg, width: 320, height: 240))
        let riff = Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBP".utf8)
        let lossy = riff + Array("VP8 ".utf8) + [0, 0, 0, 0, 0, 0, 0, 0x9D, 0x01, 0x2A, 0x64, 0x00, 0x32, 0x00] + [0, 0]
        #expect(try BrandLogo.inspect(lossy) == BrandLogo(format: .webp, width: 100, height: 50))
        // VP8L: width-1 = 99 in 14 bits, height-1 = 49 in the next 14: 99 | 49 << 14 = 0x000C4063.
        let lossless = riff + Array("VP8L".utf8) + [0, 0, 0, 0, 0x2F, 0x63, 0x40, 0x0C, 0x00] + Array(repeating: 0, count: 6)
        #expect(try BrandLogo.inspect(lossless) == BrandLogo(format: .webp, width: 100, height: 50))
        let extended = riff + Array("VP8X".utf8) + [0, 0, 0, 0, 0, 0, 0, 0, 0x63, 0, 0, 0x31, 0, 0] + [0, 0]
        #expect(try BrandLogo.inspect(extended) == BrandLogo(format: .webp, width: 100, height: 50))
        #expect(BrandLogo.assetName(sha256: String(repeating: "ab", count: 32), format: .webp) == "asset-abababababababababab.webp")
    }

    @Test("a text file, an SVG, a GIF, a cut PNG, an oversized file and a 5000-pixel image are refused with their reason")
    func refusals() {
        #expect(throws: LogoRejection.unsupportedType) { try BrandLogo.inspect(Array("hello, I am text".utf8)) }
        #expect(throws: LogoRejection.unsupportedType) { try BrandLogo.inspect(Array("<svg xmlns=\"http://www.w3.org/2000/svg\"/>".utf8)) }
        #expect(throws: LogoRejection.unsupportedType) { try BrandLogo.inspect(Array("GIF89a".utf8) + [1, 0, 1, 0]) }
        #expect(throws: LogoRejection.malformed) { try BrandLogo.inspect(Array(Self.png(10, 10).prefix(20))) }
        #expect(throws: LogoRejection.empty) { try BrandLogo.inspect([]) }
        #expect(throws: LogoRejection.tooLarge(maxBytes: 512 * 1024)) { try BrandLogo.inspect(Self.png(10, 10) + Array(repeating: 0, count: 512 * 1024)) }
        #expect(throws: LogoRejection.badDimensions(max: 4096)) { try BrandLogo.inspect(Self.png(5000, 10)) }
        #expect(throws: LogoRejection.badDimensions(max: 4096)) { try BrandLogo.inspect(Self.png(0, 10)) }
    }
}

@Suite("Brand file logo names")
struct BrandLogoNameTests {
    @Test("branding.logo names a static SVG/PNG file or an uploaded asset; other names are refused with the field")
    func logoNames() throws {
        var config = try TenantConfig.starter(slug: try #require(Slug("logotest")), name: "Logo Test", domains: ["logo.localhost"], adminEmail: "a@logo.test")
        for ok in ["logo.svg", "logo.png", "asset-0123456789abcdef0123.png", "asset-0123456789abcdef0123.jpg", "asset-0123456789abcdef0123.webp"] {
            config.branding.logo = ok
            #expect(!config.semanticProblems().contains { $0.path == "branding.logo" }, "\(ok)")
        }
        for bad in ["logo.jpg", "logo.webp", "../logo.png", "logo.gif", "asset-0123456789abcdef0123.gif"] {
            config.branding.logo = bad
            #expect(config.semanticProblems().contains { $0.path == "branding.logo" }, "\(bad)")
        }
    }
}
