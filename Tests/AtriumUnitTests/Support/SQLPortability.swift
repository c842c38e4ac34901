import Foundation

/// Static checks that keep the SQL ready for Citus schema-based sharding (each tenant schema on one
/// node, `platform` on the coordinator) and for PgBouncer in transaction mode. Each returns findings
/// as "file:line: what", so a failure names the place.
enum SQLPortability {
    /// One rule: a pattern and what it means.
    struct Rule {
        let pattern: String
        let reason: String
    }

    /// Tenant migrations: foreign keys stay inside the tenant schema, and tenant SQL never reaches platform tables.
    static let tenantMigrationRules = [
        Rule(pattern: #"\bREFERENCES\s+"?[a-z_][a-z0-9_]*"?\s*\."#, reason: "foreign key to a table outside the tenant schema"),
        Rule(pattern: #"\bplatform"?\s*\.\s*"?[a-z_]"#, reason: "tenant SQL names a platform table"),
    ]

    /// All SQL (migrations and Swift sources): tenant tables are reached through search_path only, never
    /// by a tenant schema's name, so no statement can join two tenant schemas.
    static let tenantSchemaRules = [
        Rule(pattern: #""?\btenant_[a-z0-9_]+"?\s*\.\s*"?[a-z_]"#, reason: "qualified name in a tenant schema"),
        Rule(pattern: #"\\\([^()]*(\([^()]*\))?[^()]*schema[^()]*\)\s*\.\s*"?[a-z_]"#, reason: "table qualified by an interpolated tenant schema"),
        Rule(pattern: #"SQLTableName\(schema:(?!\s*\.platform\b)"#, reason: "table name qualified by a schema other than platform"),
    ]

    /// Session state that PgBouncer in transaction mode cannot keep: the next transaction may run on
    /// another server connection, or this one may serve another client (and tenant) next.
    static let poolerRules = [
        Rule(pattern: #"pg_(try_)?advisory_lock(_shared)?\s*\("#, reason: "session advisory lock (use pg_advisory_xact_lock)"),
        Rule(pattern: #"set_config\([^)]*,\s*false\s*\)"#, reason: "session-level set_config (use true: local to the transaction)"),
        Rule(pattern: #"(^\s*|["';]\s*)SET\s+(SESSION\s+)?(ROLE|search_path|statement_timeout|lock_timeout|work_mem|jit|[a-z_]+\.[a-z_]+)\b"#,
             reason: "session-level SET (use SET LOCAL)"),
        Rule(pattern: #"(?-i)\b(UN)?LISTEN\s+[a-z_"]"#, reason: "LISTEN needs a session of its own"),
        Rule(pattern: #"\.listen\(on:"#, reason: "LISTEN needs a session of its own"),
        Rule(pattern: #"\bCREATE\s+(GLOBAL\s+|LOCAL\s+)?TEMP(ORARY)?\s+TABLE\b"#, reason: "temporary table outlives the transaction"),
        Rule(pattern: #"\bWITH\s+HOLD\b"#, reason: "cursor WITH HOLD outlives the transaction"),
        Rule(pattern: #"(?-i)(^|["\s;])(PREPARE|DEALLOCATE)\s+[a-z_]"#, reason: "SQL-level prepared statement"),
    ]

    /// The marker that admits a reviewed exception on its line or the line above, with the reason after it.
    static let exemption = "pooler-safe:"

    /// Findings of `rules` in `text`, ignoring `--` comments in SQL and `//` comments in Swift.
    static func findings(_ rules: [Rule], in text: String, file: String, honourExemption: Bool = false) -> [String] {
        let lines = text.components(separatedBy: "\n")
        var found: [String] = []
        for (index, raw) in lines.enumerated() {
            let code = stripComment(raw, swift: file.hasSuffix(".swift"))
            if honourExemption && (raw.contains(exemption) || (index > 0 && lines[index - 1].contains(exemption))) { continue }
            for rule in rules where code.range(of: rule.pattern, options: [.regularExpression, .caseInsensitive]) != nil {
                found.append("\(file):\(index + 1): \(rule.reason): \(raw.trimmingCharacters(in: .whitespaces))")
            }
        }
        return found
    }

    /// The line without its trailing comment (a rough cut: `--` and `//` inside string literals are rare in our SQL).
    static func stripComment(_ line: String, swift: Bool) -> String {
        var code = line
        if let sql = code.range(of: "--") { code = String(code[..<sql.lowerBound]) }
        if swift, let slash = code.range(of: "//"), !code[..<slash.lowerBound].hasSuffix(":") { code = String(code[..<slash.lowerBound]) }
        return code
    }

    /// Paths (relative to the repository) and contents of the files under `folder` ending in `suffix`.
    static func files(under folder: String, suffix: String) throws -> [(path: String, text: String)] {
        let root = RepositoryPaths.root
        let base = root + "/" + folder
        guard let walker = FileManager.default.enumerator(atPath: base) else { return [] }
        var out: [(String, String)] = []
        for case let relative as String in walker where relative.hasSuffix(suffix) {
            out.append((folder + "/" + relative, try String(contentsOfFile: base + "/" + relative, encoding: .utf8)))
        }
        return out.sorted { $0.0 < $1.0 }
    }
}
