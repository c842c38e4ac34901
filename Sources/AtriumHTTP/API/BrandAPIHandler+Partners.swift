import AtriumBrandAPI
import AtriumLedger
import AtriumStorage
import Foundation
import OpenAPIRuntime
import PostgresNIO

/// Introducing brokers, their commission lines and their statements (settlements), read only.
extension BrandAPIHandler {
    static let partnerColumns = "p.id, u.email, u.name, p.status, p.wallet_currency, p.trader_id, p.created_at"

    func listPartners(_ input: AtriumBrandAPI.Operations.ListPartners.Input) async throws -> AtriumBrandAPI.Operations.ListPartners.Output {
        let principal = try APIPrincipal.require(.partnersRead)
        let after = try APICursor.decode(input.query.cursor)
        let limit = try APICursor.limit(input.query.limit)
        let rows = try await transaction(principal) { tx in
            try await tx.query("""
                SELECT \(unescaped: Self.partnerColumns) FROM partners p JOIN users u ON u.id = p.user_id
                WHERE (\(after)::uuid IS NULL OR (p.created_at, p.id) < (SELECT created_at, id FROM partners WHERE id = \(after)))
                ORDER BY p.created_at DESC, p.id DESC LIMIT \(limit + 1)
                """).collect().map(Self.partner)
        }
        let (page, next) = Self.page(rows, limit: limit) { $0.0 }
        return .ok(.init(body: .json(.init(data: page.map(\.1), nextCursor: next))))
    }

    func getPartner(_ input: AtriumBrandAPI.Operations.GetPartner.Input) async throws -> AtriumBrandAPI.Operations.GetPartner.Output {
        let principal = try APIPrincipal.require(.partnersRead)
        let id = try Self.uuid(input.path.partnerId, "partner")
        let partner = try await transaction(principal) { tx in
            try await tx.query("SELECT \(unescaped: Self.partnerColumns) FROM partners p JOIN users u ON u.id = p.user_id WHERE p.id = \(id)")
                .collect().first.map(Self.partner)?.1
        }
        guard let partner else { throw APIProblem.notFound("partner") }
        return .ok(.init(body: .json(partner)))
    }

    func listCommissionLines(_ input: AtriumBrandAPI.Operations.ListCommissionLines.Input) async throws -> AtriumBrandAPI.Operations.ListCommissionLines.Output {
        let principal = try APIPrincipal.require(.partnersRead)
        let partner = try Self.uuid(input.path.partnerId, "partner")
        let after = try APICursor.decodeNumber(input.query.cursor)
        let limit = try APICursor.limit(input.query.limit)
        let rows = try await transaction(principal) { tx -> [(Int64, AtriumBrandAPI.Components.Schemas.CommissionLine)] in
            try await Self.requirePartner(partner, in: tx)
            // Lines are numbered in the order they are written: keyset pages on the id never skip or repeat.
            return try await tx.query("""
                SELECT id, client_id, account_id, level, component, kind, symbol, rate, amount, currency, excluded, status, settlement_id, deal_time, created_at
                FROM commission_lines WHERE partner_id = \(partner) AND (\(after)::bigint IS NULL OR id < \(after))
                ORDER BY id DESC LIMIT \(limit + 1)
                """).collect().map { row in
                    let (id, client, account, level, component, kind, symbol, rate, amount) =
                        try row.decode((Int64, UUID, UUID?, Int, String, String, String, String, Int64).self)
                    var it = row.makeIterator()
                    for _ in 0..<9 { _ = it.next() }
                    guard let c1 = it.next(), let c2 = it.next(), let c3 = it.next(), let c4 = it.next(), let c5 = it.next(), let c6 = it.next() else {
                        throw StoredValueUnreadable(what: "commission line")
                    }
                    let (code, excluded, status, settlement, dealTime, created) = (try c1.decode(String.self), try c2.decode(String?.self), try c3.decode(String.self),
                                                                                   try c4.decode(UUID?.self), try c5.decode(Date.self), try c6.decode(Date.self))
                    return (id, .init(id: String(id), clientId: Self.text(client), accountId: account.map(Self.text), level: level, component: try Self.value(component),
                                      kind: try Self.value(kind), symbol: symbol, rate: rate, amount: Self.money(amount, try Self.currency(code)), excluded: excluded,
                                      status: try Self.value(status), statementId: settlement.map(Self.text), dealTime: dealTime, createdAt: created))
                }
        }
        let page = Array(rows.prefix(limit))
        let next = rows.count > limit ? page.last.map { APICursor.encode(number: $0.0) } : nil
        return .ok(.init(body: .json(.init(data: page.map(\.1), nextCursor: next))))
    }

    func listPartnerStatements(_ input: AtriumBrandAPI.Operations.ListPartnerStatements.Input) async throws -> AtriumBrandAPI.Operations.ListPartnerStatements.Output {
        let principal = try APIPrincipal.require(.partnersRead)
        let partner = try Self.uuid(input.path.partnerId, "partner")
        let after = try APICursor.decode(input.query.cursor)
        let limit = try APICursor.limit(input.query.limit)
        let rows = try await transaction(principal) { tx -> [(UUID, AtriumBrandAPI.Components.Schemas.Statement)] in
            try await Self.requirePartner(partner, in: tx)
            return try await tx.query("""
                SELECT id, period_start::text, period_end::text, currency, amount, lines, status, posted_at, created_at FROM commission_settlements
                WHERE partner_id = \(partner)
                  AND (\(after)::uuid IS NULL OR (created_at, id) < (SELECT created_at, id FROM commission_settlements WHERE id = \(after)))
                ORDER BY created_at DESC, id DESC LIMIT \(limit + 1)
                """).collect().map { row in
                    let (id, start, end, code, amount, lines, status, posted, created) = try row.decode((UUID, String, String, String, Int64, Int, String, Date?, Date).self)
                    return (id, .init(id: Self.text(id), periodStart: start, periodEnd: end, amount: Self.money(amount, try Self.currency(code)), lines: lines,
                                      status: try Self.value(status), postedAt: posted, createdAt: created))
                }
        }
        let (page, next) = Self.page(rows, limit: limit) { $0.0 }
        return .ok(.init(body: .json(.init(data: page.map(\.1), nextCursor: next))))
    }

    static func requirePartner(_ id: UUID, in tx: TenantTransaction) async throws {
        guard try await tx.query("SELECT 1 FROM partners WHERE id = \(id)").collect().first != nil else { throw APIProblem.notFound("partner") }
    }

    static func partner(_ row: PostgresRow) throws -> (UUID, AtriumBrandAPI.Components.Schemas.Partner) {
        let (id, email, name, status, currency, trader, created) = try row.decode((UUID, String, String, String, String, UUID?, Date).self)
        return (id, .init(id: text(id), email: email, name: name, status: try value(status), walletCurrency: currency, traderId: trader.map(text), createdAt: created))
    }
}
