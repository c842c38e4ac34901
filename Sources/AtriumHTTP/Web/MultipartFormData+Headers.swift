import Foundation

/// Header values of multipart parts: the Content-Type's boundary and the Content-Disposition's
/// parameters. multipart-kit hands over raw header lines; its own parameter lookup splits on every
/// `;` and `=`, which breaks quoted names and ignores `filename*`, so the values are read here.
extension MultipartFormData {
    struct PartHead {
        var name: String
        var fileName: String?
        var contentType: String?
    }

    static func describePart(_ headers: [(name: String, value: String)]) throws(MultipartError) -> PartHead {
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
    static func parseHeaderValue(_ value: String) -> (String, [(name: String, value: String)]) {
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

    private static func latin1(_ bytes: ArraySlice<UInt8>) -> String {
        var text = String.UnicodeScalarView()
        text.append(contentsOf: bytes.map { Unicode.Scalar($0) })
        return String(text)
    }
}
