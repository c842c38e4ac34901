import AtriumCore
import Crypto
import Foundation

/// Checks uploaded KYC documents by their content alone; it never decodes pixels or renders pages.
public enum DocumentInspector {
    private static let jpegMagic: [UInt8] = [0xFF, 0xD8, 0xFF]
    private static let pngMagic: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    private static let pdfMagic = Array("%PDF-".utf8)
    private static let pdfEOF = Array("%%EOF".utf8)
    private static let pdfTypeKey = Array("/Type".utf8)
    private static let pdfPageName = Array("/Page".utf8)
    private static let pngHeaderType = Array("IHDR".utf8)
    /// How far from the end of a PDF its `%%EOF` marker may sit.
    private static let pdfTrailerWindow = 1024

    /// Validates `bytes` as a JPEG, PNG or PDF within `limits`.
    ///
    /// Checks run in this order: empty, too large, too small, format (magic bytes at offset 0 only),
    /// then the format's structure and its pixel or page limits.
    public static func inspect(
        _ bytes: [UInt8],
        limits: DocumentLimits = .init()
    ) throws(DocumentRejection) -> InspectedDocument {
        guard !bytes.isEmpty else { throw .empty }
        guard bytes.count <= limits.maxBytes else { throw .tooLarge(maxBytes: limits.maxBytes) }
        guard bytes.count >= limits.minBytes else { throw .tooSmall }

        let format: DocumentFormat
        var width: Int?
        var height: Int?
        var pages: Int?
        if hasPrefix(pngMagic, in: bytes) {
            format = .png
            (width, height) = try pngDimensions(bytes, limits: limits)
        } else if hasPrefix(jpegMagic, in: bytes) {
            format = .jpeg
            (width, height) = try jpegDimensions(bytes, limits: limits)
        } else if hasPrefix(pdfMagic, in: bytes) {
            format = .pdf
            pages = try pdfPageCount(bytes, limits: limits)
        } else {
            throw .unsupportedType
        }
        return InspectedDocument(
            format: format,
            byteCount: bytes.count,
            width: width,
            height: height,
            pages: pages,
            sha256: fingerprint(bytes)
        )
    }

    /// SHA-256 of `bytes` as 64 lowercase hex digits.
    public static func fingerprint(_ bytes: [UInt8]) -> String {
        let hexDigits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(SHA256.byteCount * 2)
        for byte in SHA256.hash(data: bytes) {
            hex.append(hexDigits[Int(byte >> 4)])
            hex.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// A file name safe to store and echo back: the last path component only, with anything but
    /// ASCII letters, digits, `.`, `_`, space, `-` and Unicode letters (with their combining marks)
    /// replaced by `_`, no leading dots or spaces, no trailing dots or spaces, at most 120 Unicode
    /// scalars (keeping a short extension when cutting), and "document" when nothing is left.
    public static func sanitizedFileName(_ name: String) -> String {
        let maxLength = 120
        let maxExtensionLength = 16
        let isSeparator: (Unicode.Scalar) -> Bool = { $0 == "/" || $0 == "\\" }
        let lastComponent = name.unicodeScalars.split(whereSeparator: isSeparator).last.map {
            String(Substring($0))
        } ?? ""

        var scalars: [Unicode.Scalar] = []
        var followsLetter = false
        for scalar in lastComponent.precomposedStringWithCanonicalMapping.unicodeScalars {
            let isLetter = scalar.properties.isLetterCategory
            if isLetter || isPlainFileNameScalar(scalar) || (followsLetter && scalar.properties.isMarkCategory) {
                scalars.append(scalar)
                followsLetter = isLetter || (followsLetter && scalar.properties.isMarkCategory)
            } else {
                scalars.append("_")
                followsLetter = false
            }
        }

        let stripped = scalars.drop(while: { $0 == "." || $0 == " " })
        var result = Array(stripped)
        if result.count > maxLength {
            if let dot = result.lastIndex(of: "."), dot > 0, result.count - dot <= maxExtensionLength {
                let fileExtension = result[dot...]
                result = Array(result.prefix(maxLength - fileExtension.count)) + fileExtension
            } else {
                result = Array(result.prefix(maxLength))
            }
        }
        while let last = result.last, last == "." || last == " " {
            result.removeLast()
        }
        guard !result.isEmpty else { return "document" }
        var sanitized = String.UnicodeScalarView()
        sanitized.append(contentsOf: result)
        return String(sanitized)
    }

    private static func isPlainFileNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9", ".", "_", " ", "-": true
        default: false
        }
    }

    // MARK: PNG

    /// Reads the IHDR chunk, which the PNG specification requires to come first.
    private static func pngDimensions(
        _ bytes: [UInt8],
        limits: DocumentLimits
    ) throws(DocumentRejection) -> (Int, Int) {
        // Signature (8) + chunk length (4) + type (4) + IHDR data (13) + CRC (4).
        guard bytes.count >= 33 else { throw .corrupt("PNG header is truncated") }
        guard bigEndian32(bytes, at: 8) == 13, matches(pngHeaderType, in: bytes, at: 12) else {
            throw .corrupt("PNG does not start with an IHDR chunk")
        }
        let width = bigEndian32(bytes, at: 16)
        let height = bigEndian32(bytes, at: 20)
        // The PNG specification caps both dimensions at 2^31 - 1.
        let formatMaximum = Int(Int32.max)
        guard width > 0, height > 0, width <= formatMaximum, height <= formatMaximum else {
            throw .corrupt("PNG width or height is out of range")
        }
        try checkPixels(width: width, height: height, limits: limits)
        return (width, height)
    }

    // MARK: JPEG

    /// Walks the marker segments from just after SOI up to the first frame header (SOF).
    private static func jpegDimensions(
        _ bytes: [UInt8],
        limits: DocumentLimits
    ) throws(DocumentRejection) -> (Int, Int) {
        var offset = 2
        while offset < bytes.count {
            guard bytes[offset] == 0xFF else { throw .corrupt("JPEG marker expected at byte \(offset)") }
            while offset < bytes.count, bytes[offset] == 0xFF {
                offset += 1  // Fill bytes may pad any marker.
            }
            guard offset < bytes.count else { break }
            let marker = bytes[offset]
            offset += 1
            switch marker {
            case 0x01, 0xD0...0xD8:
                continue  // Standalone markers carry no length.
            case 0xD9, 0xDA:
                throw .corrupt("JPEG has no frame header before its image data")
            case 0x00:
                throw .corrupt("JPEG has a stuffed byte outside image data at byte \(offset - 1)")
            default:
                break
            }
            guard offset + 2 <= bytes.count else { throw .corrupt("JPEG segment length is truncated") }
            let length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
            guard length >= 2, offset + length <= bytes.count else {
                throw .corrupt("JPEG segment runs past the end of the file")
            }
            if isStartOfFrame(marker) {
                // Length (2), sample precision (1), height (2), width (2), component count (1).
                guard length >= 8 else { throw .corrupt("JPEG frame header is too short") }
                let height = Int(bytes[offset + 3]) << 8 | Int(bytes[offset + 4])
                let width = Int(bytes[offset + 5]) << 8 | Int(bytes[offset + 6])
                guard width > 0, height > 0 else { throw .corrupt("JPEG width or height is zero") }
                try checkPixels(width: width, height: height, limits: limits)
                return (width, height)
            }
            offset += length
        }
        throw .corrupt("JPEG ends before a frame header")
    }

    /// SOF0–SOF15, leaving out DHT (C4), JPG (C8) and DAC (CC), which share the range.
    private static func isStartOfFrame(_ marker: UInt8) -> Bool {
        switch marker {
        case 0xC0...0xC3, 0xC5...0xC7, 0xC9...0xCB, 0xCD...0xCF: true
        default: false
        }
    }

    // MARK: PDF

    /// Requires `%%EOF` near the end and returns a page count.
    ///
    /// The count is a sanity estimate, not a parse: it counts `/Type /Page` dictionary entries
    /// (any whitespace, or none, between the two names) whose name ends there, so `/Pages` and
    /// `/PageLabel` are not counted. Pages inside compressed object streams are missed and pages
    /// rewritten by incremental updates are counted twice. Zero counted pages is treated as corrupt.
    private static func pdfPageCount(_ bytes: [UInt8], limits: DocumentLimits) throws(DocumentRejection) -> Int {
        let trailerStart = max(0, bytes.count - pdfTrailerWindow)
        guard firstIndex(of: pdfEOF, in: bytes, from: trailerStart) != nil else {
            throw .corrupt("PDF has no %%EOF marker near its end")
        }
        var pages = 0
        var searchFrom = 0
        while let typeKey = firstIndex(of: pdfTypeKey, in: bytes, from: searchFrom) {
            var offset = typeKey + pdfTypeKey.count
            while offset < bytes.count, isPDFWhitespace(bytes[offset]) {
                offset += 1
            }
            let nameEnd = offset + pdfPageName.count
            if matches(pdfPageName, in: bytes, at: offset),
               nameEnd == bytes.count || isPDFWhitespace(bytes[nameEnd]) || isPDFDelimiter(bytes[nameEnd]) {
                pages += 1
            }
            searchFrom = typeKey + pdfTypeKey.count
        }
        guard pages > 0 else { throw .corrupt("PDF has no pages") }
        guard pages <= limits.maxPages else { throw .tooManyPages(pages) }
        return pages
    }

    private static func isPDFWhitespace(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x00, 0x09, 0x0A, 0x0C, 0x0D, 0x20: true
        default: false
        }
    }

    private static func isPDFDelimiter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "<"), UInt8(ascii: ">"),
             UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"),
             UInt8(ascii: "/"), UInt8(ascii: "%"):
            true
        default:
            false
        }
    }

    // MARK: Byte helpers

    private static func checkPixels(width: Int, height: Int, limits: DocumentLimits) throws(DocumentRejection) {
        let (area, overflow) = width.multipliedReportingOverflow(by: height)
        guard width <= limits.maxDimension, height <= limits.maxDimension, !overflow, area <= limits.maxPixels else {
            throw .tooManyPixels(width: width, height: height)
        }
    }

    private static func hasPrefix(_ prefix: [UInt8], in bytes: [UInt8]) -> Bool {
        matches(prefix, in: bytes, at: 0)
    }

    private static func matches(_ pattern: [UInt8], in bytes: [UInt8], at offset: Int) -> Bool {
        guard offset >= 0, bytes.count - offset >= pattern.count else { return false }
        for index in pattern.indices where bytes[offset + index] != pattern[index] {
            return false
        }
        return true
    }

    private static func firstIndex(of pattern: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard let first = pattern.first, bytes.count >= pattern.count else { return nil }
        var offset = start
        while offset <= bytes.count - pattern.count {
            if bytes[offset] == first, matches(pattern, in: bytes, at: offset) { return offset }
            offset += 1
        }
        return nil
    }

    private static func bigEndian32(_ bytes: [UInt8], at offset: Int) -> Int {
        bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
    }
}

extension Unicode.Scalar.Properties {
    /// General category L*: upper, lower, title, modifier or other letter.
    fileprivate var isLetterCategory: Bool {
        switch generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: true
        default: false
        }
    }

    /// General category M*: a combining mark, kept only right after a letter.
    fileprivate var isMarkCategory: Bool {
        switch generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: true
        default: false
        }
    }
}
