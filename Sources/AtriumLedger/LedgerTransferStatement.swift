import Foundation
import PostgresNIO

/// One call of `ledger_transfer()`, the ledger's only write: a named prepared statement where the
/// database allows it (`TenantTransaction.execute`), so PostgreSQL parses and plans it once per
/// connection instead of once per transfer (ops/bench/ledger measures both).
struct LedgerTransferStatement: PostgresPreparedStatement {
    static let sql = "SELECT ledger_transfer($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::numeric)"
    /// Declared, not inferred from the first call: a first call with a null would leave the type to
    /// PostgreSQL, and the rate (sent as text) would then be read as a binary numeric.
    static let bindingDataTypes: [PostgresDataType] = [.uuid, .text, .int8, .int8, .int8, .text, .uuid, .text, .text, .text]
    typealias Row = String

    let id: UUID
    let kind: String
    let debit: Int64?
    let credit: Int64?
    let amount: Int64?
    let currency: String?
    let pending: UUID?
    let code: String
    let reference: String
    let rate: String?

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 10)
        bindings.append(id)
        bindings.append(kind)
        bindings.append(debit)
        bindings.append(credit)
        bindings.append(amount)
        bindings.append(currency)
        bindings.append(pending)
        bindings.append(code)
        bindings.append(reference)
        bindings.append(rate)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(String.self) }
}
