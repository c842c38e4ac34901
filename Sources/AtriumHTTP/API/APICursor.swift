import Foundation

/// Opaque list cursors: the id of the last row of a page, base64url-encoded. A page continues
/// strictly after that row in the list's fixed order (keyset pagination), so rows inserted while
/// a client pages through cause no gap and no repeat.
enum APICursor {
    static func encode(_ id: UUID) -> String {
        Data(id.uuidString.lowercased().utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The id in a cursor; a cursor that is not one of ours is a 400 naming `cursor`.
    static func decode(_ cursor: String?) throws -> UUID? {
        guard let cursor else { return nil }
        var text = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text), let id = UUID(uuidString: String(decoding: data, as: UTF8.self)) else {
            throw APIProblem.badRequest(pointer: "cursor", "not a cursor from a previous page")
        }
        return id
    }

    /// The page size: 1 to 100, 50 by default.
    static func limit(_ value: Int?) throws -> Int {
        guard let value else { return 50 }
        guard (1...100).contains(value) else { throw APIProblem.badRequest(pointer: "limit", "must be 1 to 100") }
        return value
    }
}
