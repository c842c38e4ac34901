import PostgresNIO

/// A table name, optionally schema-qualified, made only of validated identifiers.
public struct SQLTableName: Hashable, Sendable, CustomStringConvertible {
    public let schema: SQLIdentifier?
    public let table: SQLIdentifier

    public init(schema: SQLIdentifier? = nil, _ table: SQLIdentifier) {
        self.schema = schema
        self.table = table
    }

    /// `"schema"."table"` or `"table"`.
    public var quoted: String { schema.map { "\($0.quoted).\(table.quoted)" } ?? table.quoted }
    public var description: String { schema.map { "\($0.name).\(table.name)" } ?? table.name }
}

extension SQLIdentifier {
    /// An identifier written in the source (a table or schema name), checked once.
    package init(constant name: StaticString) {
        guard let valid = SQLIdentifier("\(name)") else { preconditionFailure("invalid SQL identifier constant \(name)") }
        self = valid
    }

    /// The `platform` schema.
    public static let platform = SQLIdentifier(constant: "platform")
}

extension PostgresQuery.StringInterpolation {
    /// Splices a validated identifier into the SQL text, quoted (identifiers cannot be bound).
    public mutating func appendInterpolation(_ identifier: SQLIdentifier) {
        appendInterpolation(unescaped: identifier.quoted)
    }

    /// Splices a validated table name into the SQL text, quoted.
    public mutating func appendInterpolation(_ table: SQLTableName) {
        appendInterpolation(unescaped: table.quoted)
    }
}
