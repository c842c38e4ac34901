/// Checks on text that arrives in form fields and query parameters, before any of it reaches
/// the database, a log line or a page: PostgreSQL refuses NUL in text (a 500 before this existed),
/// and control characters have no business in a name, an amount or an email address.
public enum FormText {
    /// Why a value was refused.
    public enum Problem: Sendable, Equatable {
        /// A NUL character (U+0000).
        case nul
        /// Bytes that are not UTF-8. Decoders replace them with U+FFFD, so that character is refused too.
        case invalidUTF8
        /// A control character (C0, DEL or C1); line breaks and tabs count unless the field is multi-line.
        case control(Unicode.Scalar)
    }

    /// The first problem in `value`, or nil when it is acceptable. A multi-line field (a textarea)
    /// may hold TAB, CR and LF; a one-line field may not.
    public static func problem(in value: some StringProtocol, multiLine: Bool = false) -> Problem? {
        for scalar in value.unicodeScalars {
            switch scalar.value {
            case 0: return .nul
            case 0xFFFD: return .invalidUTF8
            // (A `where` clause would only guard the last pattern of a case, so this is spelled out.)
            case 0x09, 0x0A, 0x0D: if !multiLine { return .control(scalar) }
            case 0x01...0x1F, 0x7F...0x9F: return .control(scalar)
            default: continue
            }
        }
        return nil
    }

    /// The first problem in raw bytes that should be UTF-8 text (a multipart field), or nil.
    public static func problem(inBytes bytes: some Collection<UInt8>, multiLine: Bool = false) -> Problem? {
        guard let text = String(validating: bytes, as: UTF8.self) else { return .invalidUTF8 }
        return problem(in: text, multiLine: multiLine)
    }
}
