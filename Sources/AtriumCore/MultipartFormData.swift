import Foundation

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

/// A parser for multipart/form-data request bodies (RFC 7578 on top of RFC 2046).
public enum MultipartFormData {
    /// Largest accepted header section of one part, in bytes.
    static let maxHeaderBytes = 8 * 1024
    /// Longest accepted boundary in bytes (RFC 2046 says 70; we tolerate more, but bound the scan cost).
    static let maxBoundaryBytes = 200

    private static let cr: UInt8 = 0x0D
    private static let lf: UInt8 = 0x0A
    private static let dash: UInt8 = 0x2D
    private static let space: UInt8 = 0x20
    private static let tab: UInt8 = 0x09
    private static let colon: UInt8 = 0x3A
    private static let crlfcrlf: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]

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
        let boundaryBytes = Array(boundary.utf8)
        guard boundaryBytes.count <= maxBoundaryBytes else { throw .malformed("boundary too long") }
        guard !boundaryBytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { throw .malformed("invalid boundary") }

        // Every delimiter is CRLF "--" boundary; only the very first may start the body without the CRLF.
        let delimiter: [UInt8] = [cr, lf, dash, dash] + boundaryBytes
        let count = body.count

        // `position` always points just past a matched "--boundary".
        var position: Int
        if hasPrefix(body, at: 0, delimiter[2...]) {
            position = delimiter.count - 2
        } else if let found = firstIndex(of: delimiter, in: body, from: 0, to: count) {
            position = found + delimiter.count  // everything before it is the ignored preamble
        } else {
            throw .malformed("no opening boundary")
        }

        var parts: [FormPart] = []
        while true {
            // The closing delimiter "--boundary--"; whatever follows is the ignored epilogue.
            if position + 2 <= count, body[position] == dash, body[position + 1] == dash { return parts }
            // Otherwise the delimiter line may carry transport padding (spaces/tabs) before its CRLF.
            while position < count, body[position] == space || body[position] == tab { position += 1 }
            guard position + 2 <= count else { throw .malformed("no closing boundary") }
            guard body[position] == cr, body[position + 1] == lf else { throw .malformed("boundary line not followed by CRLF") }
            guard parts.count < maxParts else { throw .tooManyParts(maxParts) }

            // Header section: from after the delimiter line's CRLF up to the first CRLFCRLF. Searching from the
            // delimiter line's own CRLF lets an empty header section (a part starting with a blank line) match too.
            let headerStart = position + 2
            let headerWindowEnd = clampedEnd(start: position, length: 2 + maxHeaderBytes + 4, count: count)
            guard let headerEnd = firstIndex(of: crlfcrlf, in: body, from: position, to: headerWindowEnd) else {
                throw .malformed(headerWindowEnd < count ? "header section too long" : "no closing boundary")
            }
            let headers = try parseHeaders(body, from: headerStart, to: max(headerStart, headerEnd))
            let part = try describePart(headers)

            // Content: up to the next delimiter. The search window stops just past the largest allowed
            // content, so an oversized part costs at most `limit` bytes of scanning before it is refused.
            let contentStart = headerEnd + 4
            let limit = max(0, part.fileName == nil ? maxFieldBytes : maxPartBytes)
            let contentWindowEnd = clampedEnd(start: contentStart, length: limit.addingReportingOverflow(delimiter.count), count: count)
            guard let contentEnd = firstIndex(of: delimiter, in: body, from: contentStart, to: contentWindowEnd) else {
                if contentWindowEnd < count { throw .partTooLarge(name: part.name, limit: limit) }
                throw .malformed("no closing boundary")
            }
            parts.append(FormPart(name: part.name, fileName: part.fileName, contentType: part.contentType,
                                  data: Array(body[contentStart..<contentEnd])))
            position = contentEnd + delimiter.count
        }
    }

    // MARK: - Byte scanning

    /// `min(count, start + length)` without overflowing.
    private static func clampedEnd(start: Int, length: Int, count: Int) -> Int {
        length >= count - start ? count : start + length
    }

    private static func clampedEnd(start: Int, length: (partialValue: Int, overflow: Bool), count: Int) -> Int {
        length.overflow ? count : clampedEnd(start: start, length: length.partialValue, count: count)
    }

    private static func hasPrefix(_ bytes: [UInt8], at start: Int, _ prefix: ArraySlice<UInt8>) -> Bool {
        guard bytes.count - start >= prefix.count else { return false }
        var i = start
        for byte in prefix {
            if bytes[i] != byte { return false }
            i += 1
        }
        return true
    }

    /// The first index `i` in `from...(to - pattern.count)` where `pattern` occurs. Linear in practice: it skips
    /// to occurrences of the pattern's first byte and compares the rest (at most `pattern.count` bytes) there.
    private static func firstIndex(of pattern: [UInt8], in bytes: [UInt8], from start: Int, to end: Int) -> Int? {
        let length = pattern.count
        guard length > 0, start >= 0, end <= bytes.count, end - start >= length else { return nil }
        return bytes.withUnsafeBufferPointer { haystack -> Int? in
            pattern.withUnsafeBufferPointer { needle -> Int? in
                let first = needle[0]
                let last = end - length
                var i = start
                while i <= last {
                    if haystack[i] != first {
                        i += 1
                        continue
                    }
                    var j = 1
                    while j < length, haystack[i + j] == needle[j] { j += 1 }
                    if j == length { return i }
                    i += 1
                }
                return nil
            }
        }
    }

    // MARK: - Part headers

    private struct PartHead {
        var name: String
        var fileName: String?
        var contentType: String?
    }

    /// Splits `bytes[start..<end]` into CRLF-separated header lines, as (lowercased name, trimmed value) pairs.
    private static func parseHeaders(_ bytes: [UInt8], from start: Int, to end: Int) throws(MultipartError) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = []
        var lineStart = start
        while lineStart < end {
            var lineEnd = lineStart
            while lineEnd < end, !(bytes[lineEnd] == cr && lineEnd + 1 < end && bytes[lineEnd + 1] == lf) { lineEnd += 1 }
            let line = bytes[lineStart..<lineEnd]
            lineStart = lineEnd + 2
            if line.contains(where: { $0 == cr || $0 == lf || $0 == 0 }) { throw .malformed("invalid header line") }
            if let firstByte = line.first, firstByte == space || firstByte == tab {
                // Obsolete line folding: a continuation of the previous header's value.
                guard !headers.isEmpty else { throw .malformed("invalid header line") }
                headers[headers.count - 1].value += " " + decodeText(line).trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let colonIndex = line.firstIndex(of: colon) else { throw .malformed("invalid header line") }
            let name = decodeText(line[line.startIndex..<colonIndex]).trimmingCharacters(in: .whitespaces).lowercased()
            guard !name.isEmpty else { throw .malformed("invalid header line") }
            let value = decodeText(line[(colonIndex + 1)...]).trimmingCharacters(in: .whitespaces)
            headers.append((name, value))
        }
        return headers
    }

    private static func describePart(_ headers: [(name: String, value: String)]) throws(MultipartError) -> PartHead {
        let dispositions = headers.filter { $0.name == "content-disposition" }
        guard let disposition = dispositions.first else { throw .malformed("part without Content-Disposition") }
        guard dispositions.count == 1 else { throw .malformed("duplicate Content-Disposition header") }
        let contentTypes = headers.filter { $0.name == "content-type" }
        guard contentTypes.count <= 1 else { throw .malformed("duplicate Content-Type header") }

        let (type, parameters) = parseHeaderValue(disposition.value)
        guard type == "form-data" else { throw .malformed("part is not form-data") }
        var seen: Set<String> = []
        for parameter in parameters where !seen.insert(parameter.name).inserted {
            throw .malformed("duplicate Content-Disposition parameter \(parameter.name)")
        }
        func value(of name: String) -> String? { parameters.first { $0.name == name }?.value }

        guard let name = value(of: "name") else { throw .malformed("part without a name") }
        var fileName = value(of: "filename")
        if let extended = value(of: "filename*") {
            if let decoded = decodeExtendedValue(extended) {
                fileName = decoded
            } else if fileName == nil {
                throw .malformed("invalid filename* parameter")
            }
        }
        return PartHead(name: name, fileName: fileName, contentType: contentTypes.first?.value)
    }

    /// Splits a header value like `form-data; name="a"; filename=b.txt` into its lowercased leading token and its
    /// parameters (lowercased names, unquoted values). Quoted strings may contain `;` and backslash escapes.
    private static func parseHeaderValue(_ value: String) -> (String, [(name: String, value: String)]) {
        let scalars = Array(value.unicodeScalars)
        let n = scalars.count
        func isSpace(_ s: Unicode.Scalar) -> Bool { s == " " || s == "\t" }
        func trimmed(_ range: Range<Int>) -> String {
            var lower = range.lowerBound, upper = range.upperBound
            while lower < upper, isSpace(scalars[lower]) { lower += 1 }
            while upper > lower, isSpace(scalars[upper - 1]) { upper -= 1 }
            var text = String.UnicodeScalarView()
            text.append(contentsOf: scalars[lower..<upper])
            return String(text)
        }

        var i = 0
        while i < n, scalars[i] != ";" { i += 1 }
        let leading = trimmed(0..<i).lowercased()
        var parameters: [(name: String, value: String)] = []
        while i < n {
            while i < n, scalars[i] == ";" || isSpace(scalars[i]) { i += 1 }
            let nameStart = i
            while i < n, scalars[i] != "=", scalars[i] != ";" { i += 1 }
            let name = trimmed(nameStart..<i).lowercased()
            guard i < n, scalars[i] == "=" else { continue }  // a bare token without a value: ignored
            i += 1
            while i < n, isSpace(scalars[i]) { i += 1 }
            var parameterValue = String.UnicodeScalarView()
            if i < n, scalars[i] == "\"" {
                i += 1
                while i < n, scalars[i] != "\"" {
                    // A backslash escapes a following quote or backslash. Browsers send other backslashes
                    // (Windows paths) unescaped, so those are kept literally rather than dropped.
                    if scalars[i] == "\\", i + 1 < n, scalars[i + 1] == "\"" || scalars[i + 1] == "\\" { i += 1 }
                    parameterValue.append(scalars[i])
                    i += 1
                }
                // Skip the closing quote and anything up to the next separator.
                while i < n, scalars[i] != ";" { i += 1 }
            } else {
                let valueStart = i
                while i < n, scalars[i] != ";" { i += 1 }
                parameterValue = trimmed(valueStart..<i).unicodeScalars
            }
            if !name.isEmpty { parameters.append((name, String(parameterValue))) }
        }
        return (leading, parameters)
    }

    /// Decodes an RFC 5987 `ext-value` such as `UTF-8''Zo%C3%AB.pdf`; nil if it is invalid.
    private static func decodeExtendedValue(_ value: String) -> String? {
        let pieces = value.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
        guard pieces.count == 3 else { return nil }
        let charset = pieces[0].lowercased()
        var bytes: [UInt8] = []
        let encoded = Array(pieces[2].utf8)
        var i = 0
        while i < encoded.count {
            if encoded[i] == UInt8(ascii: "%") {
                guard i + 2 < encoded.count, let high = hexValue(encoded[i + 1]), let low = hexValue(encoded[i + 2]) else { return nil }
                bytes.append(high << 4 | low)
                i += 3
            } else {
                bytes.append(encoded[i])
                i += 1
            }
        }
        switch charset {
        case "utf-8": return String(validating: bytes, as: UTF8.self)
        case "iso-8859-1": return latin1(bytes[...])
        default: return nil
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Header bytes as text: UTF-8 (what browsers send), else ISO-8859-1.
    private static func decodeText(_ bytes: ArraySlice<UInt8>) -> String {
        String(validating: bytes, as: UTF8.self) ?? latin1(bytes)
    }

    private static func latin1(_ bytes: ArraySlice<UInt8>) -> String {
        var text = String.UnicodeScalarView()
        text.append(contentsOf: bytes.map { Unicode.Scalar($0) })
        return String(text)
    }
}
