/// A tenant's short name: `^[a-z][a-z0-9]{1,29}$`. It names the schema (`tenant_<slug>`) and the default host.
public struct Slug: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let value: String

    /// Validates `raw`; returns `nil` when it is not a valid slug.
    public init?(_ raw: String) {
        guard raw.count >= 2, raw.count <= 30,
              let first = raw.unicodeScalars.first, ("a"..."z").contains(first),
              raw.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) })
        else { return nil }
        // Reserved so a brand can never shadow the operator console or infrastructure hosts.
        guard !Slug.reserved.contains(raw) else { return nil }
        self.value = raw
    }

    /// Names that no brand may take.
    public static let reserved: Set<String> = ["ops", "www", "api", "admin", "platform", "public", "static", "mail"]
    /// Human-readable rule, used in error messages.
    public static let rule = "2-30 characters, lowercase letters and digits, starting with a letter, not one of ops/www/api/admin/platform/public/static/mail"

    public var description: String { value }
    /// The tenant's PostgreSQL schema name.
    public var schemaName: String { "tenant_\(value)" }

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        guard let slug = Slug(raw) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected a slug (\(Slug.rule)), got \"\(raw)\""))
        }
        self = slug
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(value)
    }

    public static func < (lhs: Slug, rhs: Slug) -> Bool { lhs.value < rhs.value }
}
