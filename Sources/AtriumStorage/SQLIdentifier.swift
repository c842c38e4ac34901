/// A validated PostgreSQL identifier (schema or role name). The only way identifiers reach SQL text.
public struct SQLIdentifier: Hashable, Sendable, CustomStringConvertible {
    public let name: String

    /// Accepts `^[a-z_][a-z0-9_]{0,62}$` only, so quoting can never be escaped.
    package init?(_ name: String) {
        guard !name.isEmpty, name.utf8.count <= 63,
              let first = name.unicodeScalars.first,
              first == "_" || ("a"..."z").contains(first),
              name.unicodeScalars.allSatisfy({ $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) })
        else { return nil }
        self.name = name
    }

    /// The identifier in double quotes, safe to splice into SQL text.
    public var quoted: String { "\"\(name)\"" }
    public var description: String { name }
}
