import Foundation
import Mustache

/// One refused field of an email template, with the reason shown next to it.
struct EmailTemplateProblem: Sendable, Equatable {
    let field: String
    let reason: String
}

/// Checks a brand's email template before it is saved: it must parse as logic-less Mustache
/// (swift-mustache) and use only the variables its template receives. Partials, changed delimiters
/// and transforms are refused, because they would reach outside the values the mail is given.
enum EmailTemplateValidation {
    static let maxSubject = 300
    static let maxBody = 100_000

    /// The problems of `subject` and `body` for `kind`; empty when both may be saved.
    static func problems(subject: String, body: String, kind: EmailTemplateKind, strings: [String: String]) -> [EmailTemplateProblem] {
        var out: [EmailTemplateProblem] = []
        let trimmed = subject.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty {
            out.append(.init(field: "subject", reason: "required"))
        } else if subject.count > maxSubject {
            out.append(.init(field: "subject", reason: "at most \(maxSubject) characters"))
        } else if subject.contains(where: \.isNewline) {
            out.append(.init(field: "subject", reason: "a single line"))
        } else if let reason = check(subject, kind: kind, strings: strings) {
            out.append(.init(field: "subject", reason: reason))
        }
        if body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            out.append(.init(field: "body", reason: "required"))
        } else if body.count > maxBody {
            out.append(.init(field: "body", reason: "at most \(maxBody) characters"))
        } else if let reason = check(body, kind: kind, strings: strings) {
            out.append(.init(field: "body", reason: reason))
        }
        return out
    }

    /// Why `text` cannot be saved, or nil.
    static func check(_ text: String, kind: EmailTemplateKind, strings: [String: String]) -> String? {
        do {
            _ = try MustacheTemplate(string: text)
        } catch {
            return "not valid Mustache (\(error))"
        }
        var unknown: [String] = []
        var refused: [String] = []
        for tag in tags(in: text) {
            switch tag.sigil {
            case "!", "/", "%": continue
            case ">", "<", "$", "=": refused.append("{{\(tag.sigil)\(tag.name)}}")
            default:
                if !allowed(tag.name, kind: kind, strings: strings), !unknown.contains(tag.name) { unknown.append(tag.name) }
            }
        }
        if !refused.isEmpty { return "partials, blocks and delimiter changes are not allowed: " + refused.joined(separator: ", ") }
        if !unknown.isEmpty { return "unknown variable: " + unknown.joined(separator: ", ") }
        return nil
    }

    static func allowed(_ name: String, kind: EmailTemplateKind, strings: [String: String]) -> Bool {
        if name == "." || kind.variables.contains(name) { return true }
        if name.hasPrefix("t."), strings[String(name.dropFirst(2))] != nil { return true }
        return false
    }

    /// The tags of `text` with the default delimiters (the only ones allowed): sigil and name.
    static func tags(in text: String) -> [(sigil: String, name: String)] {
        guard let regex = try? NSRegularExpression(pattern: #"\{\{(\{?)\s*([#^/!&>=<$%]?)\s*(.*?)\s*\}?\}\}"#, options: [.dotMatchesLineSeparators]) else {
            return []
        }
        let ns = text as NSString
        return regex.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { match in
            let sigil = ns.substring(with: match.range(at: 2))
            var name = ns.substring(with: match.range(at: 3))
            if sigil == "=" { name = String(name.dropLast()) }
            return (sigil, name)
        }
    }
}
