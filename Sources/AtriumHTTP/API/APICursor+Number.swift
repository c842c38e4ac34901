import Foundation

/// Cursors for lists keyed by a number (commission lines): the same opaque base64url form, of `n:<id>`.
extension APICursor {
    static func encode(number: Int64) -> String {
        Data("n:\(number)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The number in a cursor; anything else is a 400 naming `cursor`.
    static func decodeNumber(_ cursor: String?) throws -> Int64? {
        guard let cursor else { return nil }
        var text = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text), case let value = String(decoding: data, as: UTF8.self), value.hasPrefix("n:"),
              let number = Int64(value.dropFirst(2)), number > 0 else {
            throw APIProblem.badRequest(pointer: "cursor", "not a cursor from a previous page")
        }
        return number
    }
}
