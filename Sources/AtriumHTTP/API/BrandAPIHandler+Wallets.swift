import AtriumBrandAPI
import AtriumLedger
import AtriumStorage
import Foundation
import OpenAPIRuntime
import PostgresNIO

/// Wallets and their ledger entries, read from the ledger (integer minor units, shown through `Money`).
extension BrandAPIHandler {
    func listClientWallets(_ input: AtriumBrandAPI.Operations.ListClientWallets.Input) async throws -> AtriumBrandAPI.Operations.ListClientWallets.Output {
        let principal = try APIPrincipal.require(.walletsRead)
        let id = try Self.uuid(input.path.clientId, "client")
        let wallets = try await transaction(principal) { tx in
            try await Self.requireClient(id, in: tx)
            return try await tx.query("""
                SELECT id, currency, debits_posted, credits_posted, debits_pending, created_at FROM ledger_accounts
                WHERE kind = 'wallet' AND owner_id = \(id) ORDER BY currency
                """).collect().map { row -> AtriumBrandAPI.Components.Schemas.Wallet in
                    let (wid, code, debits, credits, held, created) = try row.decode((Int64, String, Int64, Int64, Int64, Date).self)
                    let currency = try Self.currency(code)
                    return .init(id: wid, clientId: Self.text(id), currency: code, balance: Self.money(credits - debits, currency),
                                 held: Self.money(held, currency), available: Self.money(credits - debits - held, currency), createdAt: created)
                }
        }
        // One wallet per currency: always a single page.
        return .ok(.init(body: .json(.init(data: wallets, nextCursor: nil))))
    }

    func listWalletEntries(_ input: AtriumBrandAPI.Operations.ListWalletEntries.Input) async throws -> AtriumBrandAPI.Operations.ListWalletEntries.Output {
        let principal = try APIPrincipal.require(.walletsRead)
        let after = try APICursor.decode(input.query.cursor)
        let limit = try APICursor.limit(input.query.limit)
        let wallet = input.path.walletId
        let rows = try await transaction(principal) { tx -> [(UUID, AtriumBrandAPI.Components.Schemas.LedgerEntry)]? in
            guard try await tx.query("SELECT 1 FROM ledger_accounts WHERE id = \(wallet) AND kind = 'wallet'").collect().first != nil else { return nil }
            // Newest first by the ledger's own sequence, which is strictly increasing: keyset pages on it never skip or repeat.
            return try await tx.query("""
                SELECT id, kind, debit_account_id = \(wallet), amount, currency, code, reference, created_at FROM ledger_transfers
                WHERE (debit_account_id = \(wallet) OR credit_account_id = \(wallet))
                  AND (\(after)::uuid IS NULL OR seq < (SELECT seq FROM ledger_transfers WHERE id = \(after)))
                ORDER BY seq DESC LIMIT \(limit + 1)
                """).collect().map { row in
                    let (id, kind, debit, amount, code, what, reference, created) = try row.decode((UUID, String, Bool, Int64, String, String, String, Date).self)
                    return (id, .init(id: Self.text(id), kind: try Self.value(kind), direction: debit ? .debit : .credit,
                                      amount: Self.money(amount, try Self.currency(code)), code: what, reference: reference, createdAt: created))
                }
        }
        guard let rows else { throw APIProblem.notFound("wallet") }
        let (page, next) = Self.page(rows, limit: limit) { $0.0 }
        return .ok(.init(body: .json(.init(data: page.map(\.1), nextCursor: next))))
    }
}
