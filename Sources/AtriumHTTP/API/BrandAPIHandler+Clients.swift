import AtriumBrandAPI
import AtriumCRM
import AtriumCore
import AtriumIdentity
import AtriumStorage
import Foundation
import OpenAPIRuntime
import PostgresNIO

/// Clients: list, get, create (the registration rules of the Trader's Room) and profile edits
/// (the Back Office's edit, screening included).
extension BrandAPIHandler {
    static let clientColumns = "id, email, name, country, kyc_status, created_at"

    func listClients(_ input: AtriumBrandAPI.Operations.ListClients.Input) async throws -> AtriumBrandAPI.Operations.ListClients.Output {
        let principal = try APIPrincipal.require(.clientsRead)
        let after = try APICursor.decode(input.query.cursor)
        let limit = try APICursor.limit(input.query.limit)
        let rows = try await transaction(principal) { tx in
            try await tx.query("""
                SELECT \(unescaped: Self.clientColumns) FROM users
                WHERE audience = 'trader'
                  AND (\(after)::uuid IS NULL OR (created_at, id) < (SELECT created_at, id FROM users WHERE id = \(after)))
                ORDER BY created_at DESC, id DESC LIMIT \(limit + 1)
                """).collect().map(Self.client)
        }
        let (page, next) = Self.page(rows, limit: limit) { UUID(uuidString: $0.id) ?? UUID() }
        return .ok(.init(body: .json(.init(data: page, nextCursor: next))))
    }

    func getClient(_ input: AtriumBrandAPI.Operations.GetClient.Input) async throws -> AtriumBrandAPI.Operations.GetClient.Output {
        let principal = try APIPrincipal.require(.clientsRead)
        let id = try Self.uuid(input.path.clientId, "client")
        let client = try await transaction(principal) { tx in try await Self.client(id, in: tx) }
        guard let client else { throw APIProblem.notFound("client") }
        return .ok(.init(body: .json(client)))
    }

    func createClient(_ input: AtriumBrandAPI.Operations.CreateClient.Input) async throws -> AtriumBrandAPI.Operations.CreateClient.Output {
        let principal = try APIPrincipal.require(.clientsWrite)
        let brand = try Self.brand(principal)
        let body = switch input.body { case .json(let json): json }
        var errors = Self.controlCharacters(["/email": body.email, "/name": body.name, "/country": body.country, "/phone": body.phone, "/tax_id": body.taxId])
        guard errors.isEmpty else { throw APIProblem.invalid(errors) }
        let name = body.name.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || name.count > 200 { errors.append(.init(pointer: "/name", detail: "must be 1 to 200 characters")) }
        if body.email.count > 254 { errors.append(.init(pointer: "/email", detail: "must be at most 254 characters")) }
        // The Trader's Room registration rules, shared (`TraderRegistration`), so both paths refuse the same clients.
        let registration = TraderRegistration(name: name, email: body.email, country: body.country.uppercased(), phone: body.phone ?? "", taxID: body.taxId ?? "")
        for failure in registration.failures(brand: brand) where !errors.contains(where: { $0.pointer == "/" + failure.field }) {
            errors.append(.init(pointer: "/" + failure.field, detail: failure.reason))
        }
        guard errors.isEmpty else { throw APIProblem.invalid(errors) }
        let created = try await transaction(principal) { tx -> AtriumBrandAPI.Components.Schemas.Client? in
            guard let id = try await registration.create(services: services, brand: brand, passwordHash: nil, actor: { _ in principal.actor },
                                                         referral: nil, userAgent: "api", locale: nil, requestCountry: nil,
                                                         requestID: principal.requestID, in: tx) else { return nil }
            return try await Self.client(id, in: tx)
        }
        guard let created else { throw APIProblem.invalid([.init(pointer: "/email", detail: "a client with this email already exists")], status: .conflict) }
        return .created(.init(body: .json(created)))
    }

    func updateClient(_ input: AtriumBrandAPI.Operations.UpdateClient.Input) async throws -> AtriumBrandAPI.Operations.UpdateClient.Output {
        let principal = try APIPrincipal.require(.clientsWrite)
        let brand = try Self.brand(principal)
        let id = try Self.uuid(input.path.clientId, "client")
        let body = switch input.body { case .json(let json): json }
        let unreadable = Self.controlCharacters(["/name": body.name, "/country": body.country])
        guard unreadable.isEmpty else { throw APIProblem.invalid(unreadable) }
        let updated = try await refusals {
            try await transaction(principal) { tx -> AtriumBrandAPI.Components.Schemas.Client? in
                guard let current = try await Self.client(id, in: tx) else { return nil }
                // The Back Office's edit (ClientAdminRoutes.editProfile): the same validation, audit and screening.
                let edit = try ClientProfile.Edit(name: body.name ?? current.name, country: body.country ?? current.country)
                guard edit.country.isEmpty || Countries.all[edit.country] != nil else { throw ClientError.invalid(field: "country") }
                try await ClientProfile.update(id, with: edit, actor: principal.actor, scope: .everyone, requestID: principal.requestID, in: tx)
                try await services.screen(client: id, brand: brand, trigger: .profile, in: tx)
                return try await Self.client(id, in: tx)
            }
        }
        guard let updated else { throw APIProblem.notFound("client") }
        return .ok(.init(body: .json(updated)))
    }

    /// Members holding NUL or control characters (which no text column takes), sorted by pointer.
    static func controlCharacters(_ members: [String: String?]) -> [APIProblem.FieldError] {
        members.compactMap { pointer, value in
            guard let value, FormText.problem(in: value) != nil else { return nil }
            return APIProblem.FieldError(pointer: pointer, detail: "contains control characters or invalid text")
        }.sorted { $0.pointer < $1.pointer }
    }

    /// One trader of this brand, or nil.
    static func client(_ id: UUID, in tx: TenantTransaction) async throws -> AtriumBrandAPI.Components.Schemas.Client? {
        try await tx.query("SELECT \(unescaped: clientColumns) FROM users WHERE audience = 'trader' AND id = \(id)").collect().first.map(client)
    }

    /// Fails with 404 unless `id` is a trader of this brand.
    static func requireClient(_ id: UUID, in tx: TenantTransaction) async throws {
        guard try await tx.query("SELECT 1 FROM users WHERE audience = 'trader' AND id = \(id)").collect().first != nil else {
            throw APIProblem.notFound("client")
        }
    }

    static func client(_ row: PostgresRow) throws -> AtriumBrandAPI.Components.Schemas.Client {
        let (id, email, name, country, kyc, created) = try row.decode((UUID, String, String, String, String, Date).self)
        return .init(id: text(id), email: email, name: name, country: country, kycStatus: kyc, createdAt: created)
    }
}
