import Logging
import Metrics

/// A stored value this build cannot read: an unknown currency, access level or status, a brand
/// config or a job payload that does not decode. It is never read as a default; it is reported
/// (error log naming tenant, table and row; `atrium_corrupt_values_total{kind=…}`) and thrown,
/// so the page, job or registry entry that needed it shows the failure.
public struct CorruptValue: Error, Equatable, CustomStringConvertible {
    /// What was expected (`currency`, `access_level`, `payment_status`, `tenant_config`, `job_payload`…); the metric's label.
    public let kind: String
    /// The table (or queue) the value came from.
    public let table: String
    /// The row's id.
    public let id: String
    /// The stored text, cut to 200 characters.
    public let value: String

    public init(kind: String, table: String, id: String, value: String) {
        self.kind = kind
        self.table = table
        self.id = id
        self.value = String(value.prefix(200))
    }

    public var description: String { "unreadable \(kind) in \(table) row \(id): \(value)" }
}

/// Reporting of unreadable stored values.
public enum CorruptValues {
    /// The Prometheus counter, labelled by `kind`.
    public static let metric = "atrium_corrupt_values_total"

    /// Logs `value` at error level with the tenant, and counts it.
    @discardableResult
    public static func report(_ value: CorruptValue, tenant: String, logger: Logger) -> CorruptValue {
        logger.error("stored value cannot be read", metadata: [
            "tenant": "\(tenant)", "kind": "\(value.kind)", "table": "\(value.table)", "id": "\(value.id)", "value": "\(value.value)",
        ])
        Counter(label: metric, dimensions: [("kind", value.kind)]).increment()
        return value
    }
}

extension TenantTransaction {
    /// Parses a stored code (currency, status, enum raw value) with `parse`. An unknown value is
    /// reported and thrown as `CorruptValue`, never replaced by a default.
    public func stored<T>(_ raw: String, kind: String, table: String, id: some CustomStringConvertible,
                          _ parse: (String) -> T?) throws -> T {
        if let value = parse(raw) { return value }
        throw CorruptValues.report(CorruptValue(kind: kind, table: table, id: "\(id)".lowercased(), value: raw),
                                   tenant: tenant.slug, logger: logger)
    }
}
