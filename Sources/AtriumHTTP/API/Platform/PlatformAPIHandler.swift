import AtriumPlatformAPI
import AtriumTenancy
import Foundation
import OpenAPIRuntime

/// The provisioning API's operations (the generated `APIProtocol` of `AtriumPlatformAPI`).
struct PlatformAPIHandler: APIProtocol {
    let services: AppServices

    func getTenant(_ input: AtriumPlatformAPI.Operations.GetTenant.Input) async throws -> AtriumPlatformAPI.Operations.GetTenant.Output {
        _ = try OperatorPrincipal.require(.tenantsRead)
        guard let record = try await services.registry.tenant(slug: input.path.slug) else { throw APIProblem.notFound("brand") }
        return .ok(.init(body: .json(Self.tenant(record))))
    }

    static func tenant(_ record: TenantRecord) -> AtriumPlatformAPI.Components.Schemas.Tenant {
        .init(slug: record.handle.slug, name: record.name,
              status: record.storedStatus == "suspended" ? .suspended : .active,
              schemaVersion: record.schemaVersion, domains: record.domains, createdAt: record.createdAt)
    }
}
