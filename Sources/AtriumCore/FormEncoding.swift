import Foundation

/// `application/x-www-form-urlencoded` text (also a URL query): every name and value
/// percent-encoded except the RFC 3986 unreserved characters.
public enum FormEncoding {
    public static func encode(_ fields: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return fields.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
            .joined(separator: "&")
    }
}
