import Foundation

/// Where a page of the client list ends: the last row's `(created_at, id)`. The list is ordered
/// by `(created_at DESC, id DESC)`, a total order, so the next page is every row strictly below
/// this pair: no OFFSET, no gaps or repeats when clients register while someone pages.
/// On the wire it is opaque: base64url of `<microseconds since 1970>.<uuid>`.
public struct ClientCursor: Sendable, Equatable {
    /// Registration time of the last row, truncated to microseconds (PostgreSQL's precision).
    public let createdAt: Date
    /// Id of the last row; breaks ties between clients registered in the same microsecond.
    public let id: UUID

    /// A cursor after the row registered at `createdAt` with `id`.
    public init(createdAt: Date, id: UUID) {
        self.createdAt = createdAt
        self.id = id
    }

    /// Microseconds since 1970, the exact value PostgreSQL stored.
    var micros: Int64 { Int64((createdAt.timeIntervalSince1970 * 1_000_000).rounded()) }

    /// The opaque text put in `?after=`.
    public var token: String {
        let raw = "\(micros).\(id.uuidString.lowercased())"
        return Data(raw.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Decodes `token`; nil when it is not one this type wrote.
    public init?(token: String) {
        guard token.count <= 80, token.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var b64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64), let raw = String(data: data, encoding: .utf8) else { return nil }
        let parts = raw.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let micros = Int64(parts[0]), micros >= 0, let id = UUID(uuidString: String(parts[1])) else { return nil }
        self.init(createdAt: Date(timeIntervalSince1970: Double(micros) / 1_000_000), id: id)
    }
}
