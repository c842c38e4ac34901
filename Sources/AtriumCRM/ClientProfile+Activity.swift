import AtriumStorage
import Foundation
import PostgresNIO

/// The client page's trading, IB, task and lead sections.
extension ClientProfile {
    static func tradingAccounts(_ client: UUID, in tx: TenantTransaction) async throws -> [TradingAccount] {
        var out: [TradingAccount] = []
        for try await (id, connection, login, kind, type, currency, leverage, access, balance) in try await tx.query("""
            SELECT id, connection_id, login, kind, account_type, currency, leverage, access, last_balance FROM trading_accounts
            WHERE user_id = \(client) ORDER BY created_at
            """).decode((UUID, String, String, String, String, String, Int, String, Int64?).self) {
            out.append(TradingAccount(id: id, connectionID: connection, login: login, kind: kind, accountType: type, currency: currency,
                                      leverage: leverage, access: access, lastBalance: balance))
        }
        return out
    }

    static func attributions(_ client: UUID, in tx: TenantTransaction) async throws -> [Attribution] {
        var out: [Attribution] = []
        for try await (partner, email, name, from, reason, note) in try await tx.query("""
            SELECT p.id, iu.email, iu.name, a.effective_from, a.reason, a.note FROM client_attributions a
            JOIN partners p ON p.id = a.partner_id JOIN users iu ON iu.id = p.user_id
            WHERE a.client_id = \(client) ORDER BY a.effective_from DESC LIMIT \(recent)
            """).decode((UUID, String, String, Date, String, String).self) {
            out.append(Attribution(partnerID: partner, partnerEmail: email, partnerName: name, effectiveFrom: from, reason: reason, note: note))
        }
        return out
    }

    static func tasks(_ client: UUID, in tx: TenantTransaction) async throws -> [Task] {
        var out: [Task] = []
        for try await (id, title, due, status, assignee, overdue) in try await tx.query("""
            SELECT t.id, t.title, t.due_at, t.status, u.email, (t.status = 'open' AND t.due_at < now()) FROM tasks t
            JOIN users u ON u.id = t.assignee_id
            WHERE t.client_id = \(client) ORDER BY (t.status = 'open') DESC, t.due_at LIMIT \(recent)
            """).decode((UUID, String, Date, String, String, Bool).self) {
            out.append(Task(id: id, title: title, dueAt: due, status: status, assigneeEmail: assignee, overdue: overdue))
        }
        return out
    }

    static func leadStage(_ client: UUID, in tx: TenantTransaction) async throws -> String {
        try await tx.query("SELECT stage FROM leads WHERE client_id = \(client)").collect().first?.decode(String.self) ?? "new"
    }
}
