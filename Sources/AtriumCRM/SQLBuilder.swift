import PostgresNIO

/// A query put together from optional parts: only the filters that are set become SQL, each value
/// a bound `$n` parameter. A fixed query with `($1 IS NULL OR …)` for every filter would hide
/// the set filters from the planner's index choice; the client list must stay fast at 100,000 rows.
struct SQLBuilder {
    private(set) var sql = ""
    private var binds = PostgresBindings()

    /// Appends SQL text written in code (never user input).
    mutating func add(_ text: String) { sql += text }

    /// Binds `value` and returns its placeholder.
    mutating func bind<Value: PostgresDynamicTypeEncodable>(_ value: Value) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    /// The statement with its parameters.
    var query: PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds) }
}
