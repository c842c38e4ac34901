import Foundation

/// Splits a SQL script into statements on `;`, ignoring semicolons inside quotes, dollar-quoted
/// bodies and comments. PostgresNIO's extended protocol runs one statement at a time.
public enum SQLSplitter {
    public static func statements(_ sql: String) -> [String] {
        var result: [String] = []
        var current = ""
        let chars = Array(sql)
        var i = 0
        func flush() {
            let trimmed = current.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty && !isOnlyComments(trimmed) { result.append(trimmed) }
            current = ""
        }
        while i < chars.count {
            let c = chars[i]
            let next: Character? = i + 1 < chars.count ? chars[i + 1] : nil
            if c == "-" && next == "-" {
                while i < chars.count && chars[i] != "\n" { current.append(chars[i]); i += 1 }
                continue
            }
            if c == "/" && next == "*" {
                while i < chars.count && !(chars[i] == "*" && i + 1 < chars.count && chars[i + 1] == "/") { current.append(chars[i]); i += 1 }
                if i < chars.count { current.append("*/"); i += 2 }
                continue
            }
            if c == "'" || c == "\"" {
                current.append(c); i += 1
                while i < chars.count {
                    current.append(chars[i])
                    if chars[i] == c {
                        if i + 1 < chars.count && chars[i + 1] == c { current.append(c); i += 2; continue }
                        i += 1; break
                    }
                    i += 1
                }
                continue
            }
            if c == "$", let tag = dollarTag(chars, at: i) {
                current.append(contentsOf: tag); i += tag.count
                while i < chars.count {
                    if chars[i] == "$", dollarTag(chars, at: i) == tag {
                        current.append(contentsOf: tag); i += tag.count; break
                    }
                    current.append(chars[i]); i += 1
                }
                continue
            }
            if c == ";" { flush(); i += 1; continue }
            current.append(c); i += 1
        }
        flush()
        return result
    }

    /// `$tag$` or `$$` starting at `i`, if any.
    private static func dollarTag(_ chars: [Character], at i: Int) -> String? {
        var j = i + 1
        while j < chars.count, chars[j] == "_" || chars[j].isLetter || (j > i + 1 && chars[j].isNumber) { j += 1 }
        guard j < chars.count, chars[j] == "$" else { return nil }
        return String(chars[i...j])
    }

    private static func isOnlyComments(_ s: String) -> Bool {
        s.split(separator: "\n").allSatisfy { $0.trimmingCharacters(in: .whitespaces).hasPrefix("--") || $0.trimmingCharacters(in: .whitespaces).isEmpty }
    }
}
