import AtriumKYC
import Crypto
import Foundation
import Testing

/// Small documents built in memory, so the suite needs no binary fixtures.
private enum KYCFixture {
    /// A PNG: signature, IHDR (8-bit greyscale) with the given size, a tEXt comment that lifts it
    /// over the default 100-byte minimum, an IDAT and IEND, every chunk with a real CRC-32.
    /// The IDAT holds one zlib-compressed row of one grey pixel, so the image decodes only when
    /// it is 1 × 1; the inspector reads IHDR alone and never decodes pixels.
    static func png(width: UInt32, height: UInt32) -> [UInt8] {
        var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        bytes += pngChunk("IHDR", bigEndian(width) + bigEndian(height) + [8, 0, 0, 0, 0])
        bytes += pngChunk("tEXt", Array("Comment\u{0}Atrium KYC unit-test fixture".utf8))
        // zlib header 78 01, one stored block holding [filter 0, pixel 0], Adler-32 00 02 00 01.
        bytes += pngChunk("IDAT", [0x78, 0x01, 0x01, 0x02, 0x00, 0xFD, 0xFF, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01])
        bytes += pngChunk("IEND", [])
        return bytes
    }

    /// A JPEG header: SOI, APP0 (JFIF 1.1), a COM comment, an optional segment, the frame header
    /// (SOF0 unless told) with the given size, SOS, one byte of scan data and EOI.
    /// It has no quantisation or Huffman tables, so it only looks like a JPEG to a header reader.
    static func jpeg(
        width: UInt16,
        height: UInt16,
        frameMarker: UInt8 = 0xC0,
        beforeFrame: [UInt8] = []
    ) -> [UInt8] {
        var bytes: [UInt8] = [0xFF, 0xD8]
        bytes += jpegSegment(0xE0, Array("JFIF\u{0}".utf8) + [1, 1, 0, 0, 1, 0, 1, 0, 0])
        bytes += jpegSegment(0xFE, Array("Atrium KYC unit-test fixture: a baseline JPEG header, no image data.".utf8))
        bytes += beforeFrame
        // Precision 8, height, width, one component (id 1, sampling 1×1, table 0).
        bytes += jpegSegment(frameMarker, [8] + bigEndian(height) + bigEndian(width) + [1, 1, 0x11, 0])
        // One component (id 1, tables 0/0), spectral range 0–63, no approximation.
        bytes += jpegSegment(0xDA, [1, 1, 0x00, 0, 63, 0])
        bytes += [0x00, 0xFF, 0xD9]
        return bytes
    }

    /// Offset of the frame header's `FF C0` in `jpeg(width:height:)`.
    static func jpegFrameOffset(_ bytes: [UInt8]) -> Int? {
        bytes.indices.dropLast().first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 }
    }

    /// A PDF as text: catalog, a `/Type /Pages` root and `pages` page objects, written with the
    /// spellings `/Type /Page`, `/Type/Page` and `/Type` newline `/Page` in turn. It has no xref
    /// table, which the inspector does not read.
    static func pdf(pages: Int, endMarker: Bool = true, extraObjects: [String] = [], trailingBytes: Int = 0) -> [UInt8] {
        let spellings = ["/Type /Page", "/Type/Page", "/Type\n/Page"]
        let pageIDs = (0..<pages).map { $0 + 3 }
        var text = "%PDF-1.7\n% Atrium KYC unit-test fixture\n"
        text += "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        let kids = pageIDs.map { "\($0) 0 R" }.joined(separator: " ")
        text += "2 0 obj\n<< /Type /Pages /Kids [\(kids)] /Count \(pages) >>\nendobj\n"
        for (index, id) in pageIDs.enumerated() {
            text += "\(id) 0 obj\n<< \(spellings[index % spellings.count]) /Parent 2 0 R /MediaBox [0 0 612 792] >>\nendobj\n"
        }
        for (index, object) in extraObjects.enumerated() {
            text += "\(pages + 3 + index) 0 obj\n\(object)\nendobj\n"
        }
        text += "trailer\n<< /Size \(pages + 3 + extraObjects.count) /Root 1 0 R >>\n"
        if endMarker {
            text += "%%EOF\n"
        }
        text += String(repeating: "%", count: trailingBytes)
        return Array(text.utf8)
    }

    /// CRC-32 as PNG uses it (ISO-HDLC: reflected polynomial 0xEDB88320, inverted in and out).
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 {
                crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1
            }
        }
        return ~crc
    }

    static func lowercaseHex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    private static func pngChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeAndData = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + typeAndData + bigEndian(crc32(typeAndData))
    }

    private static func jpegSegment(_ marker: UInt8, _ payload: [UInt8]) -> [UInt8] {
        [0xFF, marker] + bigEndian(UInt16(payload.count + 2)) + payload
    }

    private static func bigEndian(_ value: some FixedWidthInteger) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }
}

/// Files that are not JPEG, PNG or PDF, each under a name claiming one of those formats.
private enum ForeignFile: CaseIterable, CustomTestStringConvertible {
    case windowsExecutable, plainText, gif, zip, pdfMagicAfterSpace, partialPNGSignature

    var claimedName: String {
        switch self {
        case .windowsExecutable, .plainText, .gif, .partialPNGSignature: "x.png"
        case .zip, .pdfMagicAfterSpace: "statement.pdf"
        }
    }

    /// At least 200 bytes, so the size checks pass and only the content decides.
    var bytes: [UInt8] {
        let head: [UInt8] = switch self {
        case .windowsExecutable: Array("MZ".utf8) + [0x90, 0x00, 0x03, 0x00]
        case .plainText: Array("Dear compliance team, please find my passport attached.\n".utf8)
        case .gif: Array("GIF89a".utf8) + [0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00]
        case .zip: [0x50, 0x4B, 0x03, 0x04]
        case .pdfMagicAfterSpace: Array(" ".utf8) + KYCFixture.pdf(pages: 1)
        case .partialPNGSignature: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x00, 0x00]
        }
        return head + [UInt8](repeating: 0x20, count: 200)
    }

    var testDescription: String { "\(self) named \(claimedName)" }
}

@Suite("KYC document inspection, fingerprints, vault and file names")
struct DocumentInspectorTests {
    private static let abcSHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    private static let emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// Lets truncated fixtures past the minimum-size check so the structure check is what fails.
    private static let anySize = DocumentLimits(minBytes: 1)

    private func isCorrupt(_ error: DocumentRejection?) -> Bool {
        if case .corrupt? = error { return true }
        return false
    }

    // MARK: Fixtures

    @Test("The fixture CRC-32 matches the standard check value and PNG's IEND CRC")
    func crcHelper() {
        #expect(KYCFixture.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(KYCFixture.crc32(Array("IEND".utf8)) == 0xAE42_6082)
        #expect(KYCFixture.png(width: 1, height: 1).suffix(4) == [0xAE, 0x42, 0x60, 0x82])
    }

    // MARK: Formats

    @Test("PNG is recognised with its IHDR size", arguments: [(1, 1), (640, 480), (12_000, 3_000), (6_000, 6_000)])
    func png(width: Int, height: Int) throws {
        let bytes = KYCFixture.png(width: UInt32(width), height: UInt32(height))
        let document = try DocumentInspector.inspect(bytes)
        #expect(document.format == .png)
        #expect(document.format.mimeType == "image/png")
        #expect(document.width == width)
        #expect(document.height == height)
        #expect(document.pages == nil)
        #expect(document.byteCount == bytes.count)
    }

    @Test("JPEG is recognised with its frame header size", arguments: [(1, 1), (4032, 3024), (3024, 4032)])
    func jpeg(width: Int, height: Int) throws {
        let bytes = KYCFixture.jpeg(width: UInt16(width), height: UInt16(height))
        let document = try DocumentInspector.inspect(bytes)
        #expect(document.format == .jpeg)
        #expect(document.format.mimeType == "image/jpeg")
        #expect(document.width == width)
        #expect(document.height == height)
        #expect(document.pages == nil)
    }

    @Test("Every start-of-frame marker gives the size", arguments: [
        0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF,
    ] as [UInt8])
    func jpegFrameMarkers(marker: UInt8) throws {
        let document = try DocumentInspector.inspect(KYCFixture.jpeg(width: 800, height: 600, frameMarker: marker))
        #expect(document.width == 800)
        #expect(document.height == 600)
    }

    @Test("JPEG walking skips fill bytes, standalone markers and look-alike segments")
    func jpegWalk() throws {
        // Fill bytes, a TEM and an RST marker, then a DHT (C4) whose body would read as 9999 × 9999.
        let noise: [UInt8] = [0xFF, 0xFF, 0xFF, 0x01, 0xFF, 0xD3, 0xFF, 0xC4, 0x00, 0x08, 0x08, 0x27, 0x0F, 0x27, 0x0F, 0x01]
        let document = try DocumentInspector.inspect(KYCFixture.jpeg(width: 320, height: 200, beforeFrame: noise))
        #expect(document.width == 320)
        #expect(document.height == 200)
    }

    @Test("PDF is recognised with its page count", arguments: [1, 2, 3, 7, 20])
    func pdf(pages: Int) throws {
        let bytes = KYCFixture.pdf(pages: pages)
        let document = try DocumentInspector.inspect(bytes)
        #expect(document.format == .pdf)
        #expect(document.format.mimeType == "application/pdf")
        #expect(document.pages == pages)
        #expect(document.width == nil)
        #expect(document.height == nil)
    }

    @Test("Page counting skips /Pages and other names that only start with /Page")
    func pdfPageLookalikes() throws {
        let bytes = KYCFixture.pdf(pages: 2, extraObjects: ["<< /Type /PageLabel /S /D >>", "<< /Type/Pages /Kids [] >>"])
        #expect(try DocumentInspector.inspect(bytes).pages == 2)
    }

    @Test("%%EOF may be followed by up to 1024 bytes")
    func pdfTrailingBytes() throws {
        #expect(try DocumentInspector.inspect(KYCFixture.pdf(pages: 1, trailingBytes: 1000)).pages == 1)
        let error = #expect(throws: DocumentRejection.self) {
            try DocumentInspector.inspect(KYCFixture.pdf(pages: 1, trailingBytes: 1100))
        }
        #expect(isCorrupt(error))
    }

    // MARK: Rejections

    @Test("Content that is not JPEG, PNG or PDF is refused, whatever the file is called", arguments: ForeignFile.allCases)
    fileprivate func unsupported(file: ForeignFile) {
        // inspect never sees a name: the innocent-looking one is kept by the sanitiser and changes nothing.
        #expect(DocumentInspector.sanitizedFileName(file.claimedName) == file.claimedName)
        #expect(throws: DocumentRejection.unsupportedType) {
            try DocumentInspector.inspect(file.bytes)
        }
    }

    @Test("An empty file is refused as empty")
    func empty() {
        #expect(throws: DocumentRejection.empty) {
            try DocumentInspector.inspect([])
        }
    }

    @Test("A file under the minimum size is refused as too small")
    func tooSmall() {
        #expect(throws: DocumentRejection.tooSmall) {
            try DocumentInspector.inspect(Array(KYCFixture.png(width: 10, height: 10).prefix(99)))
        }
    }

    @Test("The size limit is inclusive: one byte over is too large", arguments: [
        DocumentLimits(),
        DocumentLimits(maxBytes: 4096),
    ])
    func tooLarge(limits: DocumentLimits) throws {
        let png = KYCFixture.png(width: 100, height: 100)
        let atLimit = png + [UInt8](repeating: 0, count: limits.maxBytes - png.count)
        #expect(try DocumentInspector.inspect(atLimit, limits: limits).byteCount == limits.maxBytes)
        #expect(throws: DocumentRejection.tooLarge(maxBytes: limits.maxBytes)) {
            try DocumentInspector.inspect(atLimit + [0], limits: limits)
        }
    }

    @Test("Images over the pixel or side limit are refused", arguments: [
        (10_000, 10_000), (12_001, 10), (10, 12_001), (8_000, 5_001), (0x7FFF_FFFF, 0x7FFF_FFFF),
    ])
    func tooManyPixelsPNG(width: Int, height: Int) {
        #expect(throws: DocumentRejection.tooManyPixels(width: width, height: height)) {
            try DocumentInspector.inspect(KYCFixture.png(width: UInt32(width), height: UInt32(height)))
        }
    }

    @Test("JPEG dimensions are held to the same pixel limit")
    func tooManyPixelsJPEG() {
        #expect(throws: DocumentRejection.tooManyPixels(width: 10_000, height: 5_000)) {
            try DocumentInspector.inspect(KYCFixture.jpeg(width: 10_000, height: 5_000))
        }
        #expect(throws: DocumentRejection.tooManyPixels(width: 400, height: 300)) {
            try DocumentInspector.inspect(KYCFixture.jpeg(width: 400, height: 300), limits: DocumentLimits(maxPixels: 100_000))
        }
    }

    @Test("PNG with a zero or out-of-range dimension is corrupt", arguments: [
        (0, 100), (100, 0), (0x8000_0000, 1), (1, 0xFFFF_FFFF),
    ] as [(UInt32, UInt32)])
    func pngBadDimensions(width: UInt32, height: UInt32) {
        let error = #expect(throws: DocumentRejection.self) {
            try DocumentInspector.inspect(KYCFixture.png(width: width, height: height))
        }
        #expect(isCorrupt(error))
    }

    @Test("PNG whose first chunk is not a 13-byte IHDR is corrupt")
    func pngMissingHeader() {
        var wrongType = KYCFixture.png(width: 10, height: 10)
        wrongType[12] = UInt8(ascii: "X")
        var wrongLength = KYCFixture.png(width: 10, height: 10)
        wrongLength[11] = 14
        for bytes in [wrongType, wrongLength, Array(KYCFixture.png(width: 10, height: 10).prefix(32))] {
            let error = #expect(throws: DocumentRejection.self) {
                try DocumentInspector.inspect(bytes, limits: Self.anySize)
            }
            #expect(isCorrupt(error))
        }
    }

    /// Cuts at 3, 5 and 12 bytes fall in SOI/APP0; the others are counted from the frame header's `FF C0`.
    @Test("JPEG cut short before or inside its frame header is corrupt", arguments: [
        (false, 3), (false, 5), (false, 12), (true, 0), (true, 3), (true, 8),
    ])
    func jpegTruncated(relativeToFrame: Bool, cut: Int) throws {
        let bytes = KYCFixture.jpeg(width: 640, height: 480)
        let frame = try #require(KYCFixture.jpegFrameOffset(bytes))
        let length = relativeToFrame ? frame + cut : cut
        let error = #expect(throws: DocumentRejection.self) {
            try DocumentInspector.inspect(Array(bytes.prefix(length)), limits: Self.anySize)
        }
        #expect(isCorrupt(error))
    }

    @Test("JPEG with a zero dimension, a bad segment length or no frame header before the scan is corrupt")
    func jpegMalformed() throws {
        let zeroHeight = KYCFixture.jpeg(width: 640, height: 0)
        var shortLength = KYCFixture.jpeg(width: 640, height: 480)
        let frame = try #require(KYCFixture.jpegFrameOffset(shortLength))
        shortLength[frame + 3] = 1  // Segment length 1 cannot even cover itself.
        let sofRemoved = KYCFixture.jpeg(width: 640, height: 480, frameMarker: 0xE1)  // APP1 instead of SOF.
        let noMarker = Array(KYCFixture.jpeg(width: 640, height: 480).prefix(20)) + [0x00, 0x11] + [UInt8](repeating: 0, count: 100)
        for bytes in [zeroHeight, shortLength, sofRemoved, noMarker] {
            let error = #expect(throws: DocumentRejection.self) {
                try DocumentInspector.inspect(bytes)
            }
            #expect(isCorrupt(error))
        }
    }

    @Test("PDF without %%EOF or without pages is corrupt")
    func pdfCorrupt() {
        for bytes in [KYCFixture.pdf(pages: 3, endMarker: false), KYCFixture.pdf(pages: 0)] {
            let error = #expect(throws: DocumentRejection.self) {
                try DocumentInspector.inspect(bytes)
            }
            #expect(isCorrupt(error))
        }
    }

    @Test("PDF over the page limit is refused with its page count")
    func tooManyPages() {
        #expect(throws: DocumentRejection.tooManyPages(21)) {
            try DocumentInspector.inspect(KYCFixture.pdf(pages: 21))
        }
        #expect(throws: DocumentRejection.tooManyPages(3)) {
            try DocumentInspector.inspect(KYCFixture.pdf(pages: 3), limits: DocumentLimits(maxPages: 2))
        }
    }

    // MARK: Messages

    @Test("Rejection messages name the problem and the size limit", arguments: [
        (DocumentRejection.tooLarge(maxBytes: 10 * 1024 * 1024), "The file is larger than 10 MB."),
        (.tooLarge(maxBytes: 2048), "The file is larger than 2 KB."),
        (.tooLarge(maxBytes: 1000), "The file is larger than 1000 bytes."),
        (.empty, "The file is empty."),
        (.unsupportedType, "The file is not a JPEG, PNG or PDF document."),
        (.tooManyPages(21), "The PDF has 21 pages, which is more than we accept. Please upload fewer pages."),
    ])
    func messages(rejection: DocumentRejection, message: String) {
        #expect(rejection.message == message)
        #expect(rejection.publicMessage == message)
    }

    @Test("Rejections map to HTTP statuses", arguments: [
        (DocumentRejection.tooLarge(maxBytes: 1), 413),
        (.unsupportedType, 415),
        (.empty, 422),
        (.tooSmall, 422),
        (.corrupt("x"), 422),
        (.tooManyPixels(width: 1, height: 1), 422),
        (.tooManyPages(1), 422),
    ])
    func statuses(rejection: DocumentRejection, status: Int) {
        #expect(rejection.status == status)
        #expect(!rejection.message.isEmpty)
    }

    @Test("Document kinds keep their stored raw values")
    func kinds() {
        #expect(DocumentKind.allCases.map(\.rawValue) == ["identity", "proof_of_address", "proof_of_funds"])
    }

    // MARK: Fingerprints

    @Test("The fingerprint is SHA-256 in lowercase hex")
    func fingerprintKnownValues() {
        #expect(DocumentInspector.fingerprint(Array("abc".utf8)) == Self.abcSHA256)
        #expect(DocumentInspector.fingerprint([]) == Self.emptySHA256)
    }

    @Test("Inspection fingerprints the exact bytes: same bytes agree, one changed byte does not")
    func fingerprintOfDocument() throws {
        let bytes = KYCFixture.pdf(pages: 2)
        let first = try DocumentInspector.inspect(bytes)
        let again = try DocumentInspector.inspect(Array(bytes))
        #expect(first.sha256 == again.sha256)
        #expect(first.sha256 == KYCFixture.lowercaseHex(SHA256.hash(data: bytes)))
        #expect(first.sha256.count == 64)

        var changed = bytes
        changed[7] = UInt8(ascii: "6")  // %PDF-1.7 becomes %PDF-1.6, still a valid document.
        let other = try DocumentInspector.inspect(changed)
        #expect(other.sha256 != first.sha256)
        #expect(other.pages == first.pages)
    }

    // MARK: Vault

    let binding = DocumentBinding(tenant: UUID(), user: UUID(), document: UUID())

    @Test("Sealed documents open again with the same key", arguments: [0, 1, 4096])
    func vaultRoundTrip(size: Int) throws {
        let plaintext = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let vault = DocumentVault(key: SymmetricKey(size: .bits256))
        let sealed = try vault.seal(plaintext, for: binding)
        #expect(sealed.count == plaintext.count + 12 + 16)
        #expect(try vault.open(sealed, as: binding) == plaintext)
    }

    @Test("Sealed bytes hide the plaintext and differ on every seal")
    func vaultNonces() throws {
        let plaintext = KYCFixture.png(width: 10, height: 10)
        let vault = DocumentVault(key: SymmetricKey(size: .bits256))
        let first = try vault.seal(plaintext, for: binding)
        let second = try vault.seal(plaintext, for: binding)
        #expect(first != plaintext)
        #expect(Array(first[12..<(12 + plaintext.count)]) != plaintext)
        #expect(first != second)
        #expect(first.prefix(12) != second.prefix(12))
        #expect(try vault.open(second, as: binding) == plaintext)
    }

    @Test("Another key cannot open a sealed document")
    func vaultWrongKey() throws {
        let sealed = try DocumentVault(key: SymmetricKey(size: .bits256)).seal(KYCFixture.pdf(pages: 1), for: binding)
        let other = DocumentVault(key: SymmetricKey(size: .bits256))
        #expect(throws: (any Error).self) {
            try other.open(sealed, as: binding)
        }
    }

    @Test("Any altered byte, in nonce, ciphertext or tag, fails to open", arguments: [0, 11, 12, 40, -16, -1])
    func vaultTampered(position: Int) throws {
        let vault = DocumentVault(key: SymmetricKey(size: .bits256))
        var sealed = try vault.seal(KYCFixture.pdf(pages: 1), for: binding)
        let index = position < 0 ? sealed.count + position : position
        sealed[index] ^= 0x01
        #expect(throws: (any Error).self) {
            try vault.open(sealed, as: binding)
        }
    }

    @Test("Sealed data shorter than nonce and tag fails to open")
    func vaultTruncated() throws {
        let vault = DocumentVault(key: SymmetricKey(size: .bits256))
        let sealed = try vault.seal([1, 2, 3], for: binding)
        #expect(throws: (any Error).self) {
            try vault.open(Array(sealed.prefix(20)), as: binding)
        }
    }

    // MARK: File names

    @Test("File names are reduced to a harmless last component", arguments: [
        ("../../etc/passwd", "passwd"),
        ("<script>alert(1)</script>.png", "script_.png"),
        ("<img src=x onerror=alert(1)>.jpg", "_img src_x onerror_alert_1__.jpg"),
        ("C:\\fakepath\\scan 01.jpg", "scan 01.jpg"),
        ("Zoë Ñandú.pdf", "Zoë Ñandú.pdf"),
        ("Zoe\u{0308} N\u{0303}andu\u{0301}.pdf", "Zoë Ñandú.pdf"),
        ("паспорт.pdf", "паспорт.pdf"),
        ("パスポート.jpg", "パスポート.jpg"),
        ("पासपोर्ट.pdf", "पासपोर्ट.pdf"),
        ("invoice:2024?.pdf", "invoice_2024_.pdf"),
        ("photo\u{202E}gpj.exe", "photo_gpj.exe"),
        ("tab\there\nnewline.png", "tab_here_newline.png"),
        ("report.pdf\u{0}.png", "report.pdf_.png"),
        ("📄 scan.pdf", "_ scan.pdf"),
        ("\u{0301}accent.pdf", "_accent.pdf"),
        ("v1\u{0301}.pdf", "v1_.pdf"),
        (".htaccess", "htaccess"),
        ("..hidden.pdf", "hidden.pdf"),
        (" . spaced.pdf . ", "spaced.pdf"),
        ("../", "document"),
        ("...", "document"),
        ("", "document"),
    ])
    func sanitizedFileName(input: String, expected: String) {
        let sanitized = DocumentInspector.sanitizedFileName(input)
        #expect(sanitized == expected)
        #expect(!sanitized.contains { "<>/\\:\0".contains($0) })
    }

    @Test("Long file names are cut to 120 characters, keeping a short extension")
    func sanitizedLongFileName() {
        let withExtension = DocumentInspector.sanitizedFileName(String(repeating: "a", count: 296) + ".pdf")
        #expect(withExtension.count == 120)
        #expect(withExtension == String(repeating: "a", count: 116) + ".pdf")

        let noExtension = DocumentInspector.sanitizedFileName(String(repeating: "b", count: 300))
        #expect(noExtension == String(repeating: "b", count: 120))

        let unicode = DocumentInspector.sanitizedFileName(String(repeating: "ë", count: 300))
        #expect(unicode.unicodeScalars.count == 120)
    }
}
