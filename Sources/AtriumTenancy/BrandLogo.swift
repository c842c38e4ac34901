import AtriumCore
import Foundation

/// Why an uploaded logo was refused; `field` is always `branding.logo`.
public enum LogoRejection: Error, Equatable, Sendable {
    case empty
    case tooLarge(maxBytes: Int)
    /// Not PNG, JPEG or WebP by its first bytes (SVG is refused: it can carry script).
    case unsupportedType
    /// The header is cut short or inconsistent.
    case malformed
    /// Width or height outside 1…`max` pixels.
    case badDimensions(max: Int)

    /// What the uploader should do instead, in English (the page translates the common ones).
    public var reason: String {
        switch self {
        case .empty: "a PNG, JPEG or WebP image (the file was empty)"
        case .tooLarge(let max): "an image of at most \(max / 1024) KB"
        case .unsupportedType: "a PNG, JPEG or WebP image (SVG and other files are refused)"
        case .malformed: "a complete PNG, JPEG or WebP image (the file is damaged)"
        case .badDimensions(let max): "an image between 1 and \(max) pixels wide and high"
        }
    }
}

/// A logo checked by its content alone: the format from its magic bytes and the pixel size from
/// its header. Pixels are never decoded.
public struct BrandLogo: Sendable, Equatable {
    /// The format and its file extension.
    public enum Format: String, Sendable {
        case png, jpg, webp
        /// The Content-Type the logo is served with.
        public var contentType: String {
            switch self {
            case .png: "image/png"
            case .jpg: "image/jpeg"
            case .webp: "image/webp"
            }
        }
    }

    public let format: Format
    public let width: Int
    public let height: Int

    /// A checked logo's facts.
    public init(format: Format, width: Int, height: Int) {
        self.format = format
        self.width = width
        self.height = height
    }

    /// Largest accepted file.
    public static let maxBytes = 512 * 1024
    /// Largest accepted width and height.
    public static let maxDimension = 4096

    /// The stored name of a logo whose SHA-256 is `sha256` (hex): content-addressed, so it can be cached for good.
    public static func assetName(sha256: String, format: Format) -> String {
        "asset-\(sha256.prefix(20)).\(format.rawValue)"
    }

    /// Checks `bytes` as a PNG, JPEG or WebP image of at most `maxBytes` and `maxDimension` pixels.
    public static func inspect(_ bytes: [UInt8]) throws(LogoRejection) -> BrandLogo {
        guard !bytes.isEmpty else { throw .empty }
        guard bytes.count <= maxBytes else { throw .tooLarge(maxBytes: maxBytes) }
        let logo: BrandLogo
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            logo = try png(bytes)
        } else if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
            logo = try jpeg(bytes)
        } else if bytes.count >= 12, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8) {
            logo = try webp(bytes)
        } else {
            throw .unsupportedType
        }
        guard (1...maxDimension).contains(logo.width), (1...maxDimension).contains(logo.height) else { throw .badDimensions(max: maxDimension) }
        return logo
    }

    static func bigEndian(_ b: [UInt8], _ at: Int, _ count: Int) -> Int {
        (at..<at + count).reduce(0) { $0 << 8 | Int(b[$1]) }
    }

    static func littleEndian(_ b: [UInt8], _ at: Int, _ count: Int) -> Int {
        (at..<at + count).reversed().reduce(0) { $0 << 8 | Int(b[$1]) }
    }

    /// The first chunk must be IHDR (13 bytes): width and height are its first two 32-bit fields.
    static func png(_ b: [UInt8]) throws(LogoRejection) -> BrandLogo {
        guard b.count >= 33, Array(b[12..<16]) == Array("IHDR".utf8), bigEndian(b, 8, 4) == 13 else { throw .malformed }
        return BrandLogo(format: .png, width: bigEndian(b, 16, 4), height: bigEndian(b, 20, 4))
    }

    /// Walks the marker segments up to the first start-of-frame (SOF0…SOF15 but DHT, JPG and DAC).
    static func jpeg(_ b: [UInt8]) throws(LogoRejection) -> BrandLogo {
        var i = 2
        while i + 4 <= b.count {
            guard b[i] == 0xFF else { throw .malformed }
            let marker = b[i + 1]
            if marker == 0xFF { i += 1; continue }
            // Markers without a length: TEM and RST0-7.
            if marker == 0x01 || (0xD0...0xD7).contains(marker) { i += 2; continue }
            let length = bigEndian(b, i + 2, 2)
            guard length >= 2 else { throw .malformed }
            if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
                guard i + 9 <= b.count else { throw .malformed }
                return BrandLogo(format: .jpg, width: bigEndian(b, i + 7, 2), height: bigEndian(b, i + 5, 2))
            }
            if marker == 0xDA || marker == 0xD9 { break }
            i += 2 + length
        }
        throw .malformed
    }

    /// WebP: the first chunk is VP8 (lossy), VP8L (lossless) or VP8X (extended).
    static func webp(_ b: [UInt8]) throws(LogoRejection) -> BrandLogo {
        guard b.count >= 30 else { throw .malformed }
        switch String(decoding: b[12..<16], as: UTF8.self) {
        case "VP8 ":
            guard b[23] == 0x9D, b[24] == 0x01, b[25] == 0x2A else { throw .malformed }
            return BrandLogo(format: .webp, width: littleEndian(b, 26, 2) & 0x3FFF, height: littleEndian(b, 28, 2) & 0x3FFF)
        case "VP8L":
            guard b[20] == 0x2F else { throw .malformed }
            let bits = littleEndian(b, 21, 4)
            return BrandLogo(format: .webp, width: (bits & 0x3FFF) + 1, height: ((bits >> 14) & 0x3FFF) + 1)
        case "VP8X":
            return BrandLogo(format: .webp, width: littleEndian(b, 24, 3) + 1, height: littleEndian(b, 27, 3) + 1)
        default:
            throw .malformed
        }
    }
}
