import Foundation
import NIOCore
import PostgresNIO

/// The live session behind a token digest, with its active user: the query of every signed-in request.
/// Unqualified table names resolve through the tenant transaction's search_path.
struct SessionLookup: PostgresPreparedStatement {
    static let sql = """
        SELECT u.id, u.email, u.name FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.token_hash = $1 AND s.audience = $2 AND u.audience = s.audience AND s.expires_at > now() AND u.status = 'active'
        """
    typealias Row = (UUID, String, String)
    let tokenHash: [UInt8]
    let audience: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(ByteBuffer(bytes: tokenHash))
        bindings.append(audience)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}
