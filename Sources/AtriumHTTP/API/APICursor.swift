import Foundation

/// Opaque list cursors: the 16 bytes of the id of the last row of a page, base64url-encoded
/// without padding (22 characters). A page continues strictly after that row in the list's fixed
/// order (keyset pagination), so rows inserted while a client pages through cause no gap and no repeat.
/// Every string of the spec's cursor pattern decodes to some id (an unknown one gives an empty
/// page), so what the spec calls valid the server accepts; anything else is a 400.
enum APICursor {
    /// The spec's `Cursor` pattern: 21 base64url characters, then one whose low 4 bits are zero.
    static let pattern = "^[A-Za-z0-9_-]{21}[AQgw]$"

    static func encode(_ id: UUID) -> String {
        withUnsafeBytes(of: id.uuid) { Data($0) }.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The id in a cursor; a cursor that is not one of ours is a 400 naming `cursor`.
    static func decode(_ cursor: String?) throws -> UUID? {
        guard let cursor else { return nil }
        guard cursor.range(of: pattern, options: .regularExpression) != nil,
              let data = Data(base64Encoded: cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + "=="),
              data.count == 16 else {
            throw APIProblem.badRequest(pointer: "cursor", "not a cursor from a previous page")
        }
        let b = Array(data)
        return UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }

    /// The page size: 1 to 100, 50 by default.
    static func limit(_ value: Int?) throws -> Int {
        guard let value else { return 50 }
        guard (1...100).contains(value) else { throw APIProblem.badRequest(pointer: "limit", "must be 1 to 100") }
        return value
    }
}
