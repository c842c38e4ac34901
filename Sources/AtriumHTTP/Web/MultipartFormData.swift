import Foundation
import MultipartKit
import NIOCore

/// One part of a multipart/form-data body.
public struct FormPart: Sendable, Equatable {
    /// The field name, from the `name` parameter of the part's Content-Disposition header.
    public var name: String
    /// The client's file name (`filename*` wins over `filename`), as sent and never safe to use as a path; nil for plain fields.
    public var fileName: String?
    /// The part's own Content-Type header value, if it has one.
    public var contentType: String?
    /// The part's raw content, byte for byte.
    public var data: [UInt8]

    /// The content decoded as UTF-8, or nil when it is not valid UTF-8.
    public var text: String? { String(validating: data, as: UTF8.self) }

    /// Creates a part; plain fields have no file name.
    public init(name: String, fileName: String? = nil, contentType: String? = nil, data: [UInt8]) {
        self.name = name
        self.fileName = fileName
        self.contentType = contentType
        self.data = data
    }
}

/// Why a multipart/form-data body was rejected.
public enum MultipartError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The request's Content-Type is not multipart/form-data.
    case notMultipart
    /// The Content-Type has no (non-empty) boundary parameter.
    case missingBoundary
    /// The body does not follow the multipart syntax; the string says why.
    case malformed(String)
    /// The body has more parts than the given limit allows.
    case tooManyParts(Int)
    /// The named part's content is larger than the given limit in bytes.
    case partTooLarge(name: String, limit: Int)

    /// A short English explanation, safe to show to the client.
    public var description: String {
        switch self {
        case .notMultipart: "the request body is not multipart/form-data"
        case .missingBoundary: "the multipart/form-data Content-Type has no boundary"
        case .malformed(let reason): "malformed multipart/form-data body: \(reason)"
        case .tooManyParts(let limit): "the form has too many parts (at most \(limit) allowed)"
        case .partTooLarge(let name, let limit): "the form part \"\(name)\" is larger than \(limit) bytes"
        }
    }
}

/// multipart/form-data request bodies (RFC 7578), framed by multipart-kit's `MultipartParser`
/// and held to our limits: part count, bytes per field and per file, header bytes per part.
public enum MultipartFormData {
    /// Largest accepted header section of one part, in bytes.
    static let maxHeaderBytes = 8 * 1024
    /// Longest accepted boundary in bytes (RFC 2046 says 70; we tolerate more, but bound the scan cost).
    static let maxBoundaryBytes = 200
    /// The parser is fed this much at a time, so that a limit stops the work early.
    static let chunkBytes = 64 * 1024

    /// The boundary from a Content-Type header value like `multipart/form-data; boundary="----x"` (quoted or not, case-insensitive parameter names).
    public static func boundary(contentType: String) -> String? {
        let (_, parameters) = parseHeaderValue(contentType)
        let boundaries = parameters.filter { $0.name == "boundary" }
        // Two boundary parameters are ambiguous; refuse to guess.
        guard boundaries.count == 1, let value = boundaries.first?.value, !value.isEmpty else { return nil }
        return value
    }

    /// Parses the whole body. Limits: at most `maxParts` parts, each part's data at most `maxPartBytes` (file parts) / `maxFieldBytes` (parts without filename); header section per part at most 8 KiB.
    public static func parse(
        _ body: [UInt8],
        contentType: String,
        maxParts: Int = 20,
        maxPartBytes: Int = 10 * 1024 * 1024 + 1,
        maxFieldBytes: Int = 64 * 1024
    ) throws(MultipartError) -> [FormPart] {
        let (mediaType, _) = parseHeaderValue(contentType)
        guard mediaType == "multipart/form-data" else { throw .notMultipart }
        guard let boundary = boundary(contentType: contentType) else { throw .missingBoundary }
        guard boundary.utf8.count <= maxBoundaryBytes else { throw .malformed("boundary too long") }
        guard !boundary.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { throw .malformed("invalid boundary") }

        let collector = PartCollector(maxParts: maxParts, maxPartBytes: maxPartBytes, maxFieldBytes: maxFieldBytes)
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in collector.header(name: name, value: value) }
        parser.onBody = { chunk in collector.body(&chunk) }
        parser.onPartComplete = { collector.complete() }

        var offset = 0
        while offset < body.count {
            let end = min(body.count, offset + chunkBytes)
            do { try parser.execute(ByteBuffer(bytes: body[offset..<end])) } catch { throw .malformed("invalid syntax") }
            if let error = collector.error { throw error }
            offset = end
        }
        // The parser does not say whether it has read the closing delimiter, so it is probed: in the
        // preamble and the epilogue it ignores everything, while in any other state the probe (end of
        // a header line, end of the header section, one content byte) yields an event or a syntax error.
        let last = collector.lastEvent
        collector.probing = true
        collector.lastEvent = .none
        let quiet: Bool
        do {
            try parser.execute(ByteBuffer(string: "\n\r\nx"))
            quiet = collector.lastEvent == .none
        } catch {
            quiet = false
        }
        if quiet, last == .partComplete { return collector.parts }
        throw .malformed(quiet && last == .none ? "no opening boundary" : "no closing boundary")
    }
}

/// Gathers the parser's callbacks into parts, enforcing the limits. The callbacks cannot throw, so
/// the first error is kept and everything after it ignored; `parse` checks it after each chunk.
private final class PartCollector {
    enum Event { case none, header, body, partComplete }

    let maxParts: Int
    let maxPartBytes: Int
    let maxFieldBytes: Int
    var parts: [FormPart] = []
    var error: MultipartError?
    var lastEvent = Event.none
    /// Set while `parse` probes for the closing delimiter: events then only show the state, and are not collected.
    var probing = false
    private var headers: [(name: String, value: String)] = []
    private var headerBytes = 0
    private var current: FormPart?
    private var limit = 0

    init(maxParts: Int, maxPartBytes: Int, maxFieldBytes: Int) {
        self.maxParts = maxParts
        self.maxPartBytes = maxPartBytes
        self.maxFieldBytes = maxFieldBytes
    }

    func header(name: String, value: String) {
        lastEvent = .header
        guard error == nil, !probing else { return }
        headerBytes += name.utf8.count + value.utf8.count + 4
        guard headerBytes <= MultipartFormData.maxHeaderBytes else { return fail(.malformed("header section too long")) }
        // NUL and other controls (TAB aside) have no place in a header line; invalid UTF-8 arrives as "".
        guard !value.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\t") || $0.value == 0x7F }) else {
            return fail(.malformed("invalid header line"))
        }
        headers.append((name.lowercased(), value.trimmingCharacters(in: .whitespaces)))
    }

    func body(_ chunk: inout ByteBuffer) {
        lastEvent = .body
        // Read through `current` without copying the part: a live copy would make each append copy all bytes.
        guard error == nil, !probing, start(), let size = current?.data.count, let name = current?.name else { return }
        guard size + chunk.readableBytes <= limit else { return fail(.partTooLarge(name: name, limit: limit)) }
        current?.data.append(contentsOf: chunk.readableBytesView)
    }

    func complete() {
        lastEvent = .partComplete
        guard error == nil, !probing, start(), let part = current else { return }
        guard parts.count < maxParts else { return fail(.tooManyParts(maxParts)) }
        parts.append(part)
        current = nil
        headers = []
        headerBytes = 0
    }

    /// Describes the part being read from its headers when its content begins; false on a bad header.
    private func start() -> Bool {
        guard current == nil else { return true }
        do {
            let head = try MultipartFormData.describePart(headers)
            limit = max(0, head.fileName == nil ? maxFieldBytes : maxPartBytes)
            current = FormPart(name: head.name, fileName: head.fileName, contentType: head.contentType, data: [])
            return true
        } catch {
            fail(error)
            return false
        }
    }

    private func fail(_ error: MultipartError) {
        if self.error == nil { self.error = error }
    }
}
