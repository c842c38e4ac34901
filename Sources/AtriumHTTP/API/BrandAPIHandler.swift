import AtriumBrandAPI
import AtriumIdentity
import AtriumStorage
import Foundation
import OpenAPIRuntime
import PostgresNIO

/// The brand API's operations (the generated `APIProtocol`). Each one names its scope first and
/// works inside the brand's tenant transaction, as the portals do.
struct BrandAPIHandler: APIProtocol {
    let services: AppServices

    func listClients(_ input: AtriumBrandAPI.Operations.ListClients.Input) async throws -> AtriumBrandAPI.Operations.ListClients.Output {
        let principal = try APIPrincipal.require(.clientsRead)
        let after = try APICursor.decode(input.query.cursor)
        let limit = try APICursor.limit(input.query.limit)
        let rows = try await services.tenantDB.transaction(principal.tenant.handle) { tx in
            try await tx.query("""
                SELECT id, email, name, country, kyc_status, created_at FROM users
                WHERE audience = 'trader'
                  AND (\(after)::uuid IS NULL OR (created_at, id) < (SELECT created_at, id FROM users WHERE id = \(after)))
                ORDER BY created_at DESC, id DESC LIMIT \(limit + 1)
                """).collect().map(Self.client)
        }
        let page = Array(rows.prefix(limit))
        let next = rows.count > limit ? page.last.flatMap { UUID(uuidString: $0.id) }.map(APICursor.encode) : nil
        return .ok(.init(body: .json(.init(data: page, nextCursor: next))))
    }

    func getClient(_ input: AtriumBrandAPI.Operations.GetClient.Input) async throws -> AtriumBrandAPI.Operations.GetClient.Output {
        let principal = try APIPrincipal.require(.clientsRead)
        guard let id = UUID(uuidString: input.path.clientId) else { throw APIProblem.notFound("client") }
        let client = try await services.tenantDB.transaction(principal.tenant.handle) { tx in
            try await tx.query("""
                SELECT id, email, name, country, kyc_status, created_at FROM users WHERE audience = 'trader' AND id = \(id)
                """).collect().first.map(Self.client)
        }
        guard let client else { throw APIProblem.notFound("client") }
        return .ok(.init(body: .json(client)))
    }

    static func client(_ row: PostgresRow) throws -> AtriumBrandAPI.Components.Schemas.Client {
        let (id, email, name, country, kyc, created) = try row.decode((UUID, String, String, String, String, Date).self)
        return .init(id: id.uuidString.lowercased(), email: email, name: name, country: country, kycStatus: kyc, createdAt: created)
    }
}
