import AtriumBrandConfig
import AtriumCore
import AtriumStorage
import AtriumPlatformAPI
import AtriumTenancy
import Foundation
import OpenAPIRuntime

/// The provisioning API's operations (the generated `APIProtocol` of `AtriumPlatformAPI`). Every
/// change goes through `ProvisioningService`, exactly as `atrium tenant …` does, so a brand made
/// here is the brand the CLI makes; the service writes the platform audit with the key as actor.
struct PlatformAPIHandler: APIProtocol {
    let services: AppServices

    func getTenant(_ input: AtriumPlatformAPI.Operations.GetTenant.Input) async throws -> AtriumPlatformAPI.Operations.GetTenant.Output {
        _ = try OperatorPrincipal.require(.tenantsRead)
        return .ok(.init(body: .json(try await tenant(input.path.slug))))
    }

    func listTenants(_ input: AtriumPlatformAPI.Operations.ListTenants.Input) async throws -> AtriumPlatformAPI.Operations.ListTenants.Output {
        _ = try OperatorPrincipal.require(.tenantsRead)
        let limit = try APICursor.limit(input.query.limit)
        let after = try TenantCursor.decode(input.query.cursor)
        let all = try await services.registry.all()   // sorted by slug: the list's fixed order
        let rest = after.map { slug in all.filter { $0.handle.slug > slug } } ?? all
        let page = Array(rest.prefix(limit))
        let next = rest.count > limit ? page.last.map { TenantCursor.encode($0.handle.slug) } : nil
        return .ok(.init(body: .json(.init(data: page.map(Self.tenant), nextCursor: next))))
    }

    func createTenant(_ input: AtriumPlatformAPI.Operations.CreateTenant.Input) async throws -> AtriumPlatformAPI.Operations.CreateTenant.Output {
        let principal = try OperatorPrincipal.require(.tenantsWrite)
        guard case .json(let document) = input.body else { throw APIProblem.badRequest(pointer: "/", "send the brand document as application/json") }
        let config = try TenantDocument.config(from: document)
        if !services.config.isDevelopment {
            // Production refuses sandbox providers, like `atrium tenant apply` does.
            let problems = ProductionChecks.brand(config, file: TenantDocument.file)
            guard problems.isEmpty else { throw APIProblem.invalid(problems.map(TenantDocument.productionProblem)) }
        }
        services.registry.invalidate()
        if let existing = try await services.registry.tenant(slug: config.slug.value) {
            // Idempotent on the slug: the same document is the same brand; another one is a conflict.
            guard let stored = existing.config, try stored.canonicalJSON() == config.canonicalJSON() else {
                throw APIProblem(status: .conflict, type: APIProblem.base + "tenant-exists", title: "Brand exists",
                                 detail: "A brand with the slug \(config.slug.value) exists with a different document; change it with `atrium tenant apply`.",
                                 errors: [.init(pointer: "/slug", detail: "already used by a brand with a different document")])
            }
            return .ok(.init(body: .json(Self.tenant(existing))))
        }
        let result = try await ProvisioningProblems.mapping {
            try await services.provisioning.apply(config, actor: principal.actor, requestID: principal.requestID)
        }
        let record = try await tenant(result.slug)
        return result.change == .created ? .created(.init(body: .json(record))) : .ok(.init(body: .json(record)))
    }

    func suspendTenant(_ input: AtriumPlatformAPI.Operations.SuspendTenant.Input) async throws -> AtriumPlatformAPI.Operations.SuspendTenant.Output {
        .ok(.init(body: .json(try await setStatus(input.path.slug, active: false))))
    }

    func resumeTenant(_ input: AtriumPlatformAPI.Operations.ResumeTenant.Input) async throws -> AtriumPlatformAPI.Operations.ResumeTenant.Output {
        .ok(.init(body: .json(try await setStatus(input.path.slug, active: true))))
    }

    func exportTenant(_ input: AtriumPlatformAPI.Operations.ExportTenant.Input) async throws -> AtriumPlatformAPI.Operations.ExportTenant.Output {
        let principal = try OperatorPrincipal.require(.tenantsRead)
        let slug = input.path.slug
        let yaml = try await ProvisioningProblems.mapping { try await services.provisioning.export(slug: slug) }
        let document = try TenantDocument.json(exported: yaml, slug: slug)
        // The export names every credential reference of the brand: who read it is kept.
        try await services.database.platform { conn in
            try await AuditLog.appendPlatform(AuditEntry(actor: principal.actor, action: "tenant.exported", subject: slug, requestID: principal.requestID),
                                              on: conn, logger: services.database.logger)
        }
        return .ok(.init(body: .json(document)))
    }

    func deleteTenant(_ input: AtriumPlatformAPI.Operations.DeleteTenant.Input) async throws -> AtriumPlatformAPI.Operations.DeleteTenant.Output {
        let principal = try OperatorPrincipal.require(.tenantsWrite)
        let slug = input.path.slug
        guard case .json(let body) = input.body else { throw APIProblem.badRequest(pointer: "/", "send {\"confirm\": \"<slug>\"} as application/json") }
        _ = try await tenant(slug)   // 404 before the confirmation is judged
        guard body.confirm == slug else {
            throw APIProblem.invalid([.init(pointer: "/confirm", detail: "type the slug \"\(slug)\" to confirm the deletion")])
        }
        let path = try await ProvisioningProblems.mapping {
            try await services.provisioning.delete(slug: slug, confirm: body.confirm, exportDirectory: services.config.home + "/exports",
                                                   actor: principal.actor, requestID: principal.requestID)
        }
        return .ok(.init(body: .json(.init(slug: slug, exportFile: URL(fileURLWithPath: path).lastPathComponent))))
    }

    /// Suspends or resumes through the service, then reads the brand back.
    private func setStatus(_ slug: String, active: Bool) async throws -> AtriumPlatformAPI.Components.Schemas.Tenant {
        let principal = try OperatorPrincipal.require(.tenantsWrite)
        try await ProvisioningProblems.mapping {
            try await services.provisioning.setStatus(slug: slug, active: active, actor: principal.actor, requestID: principal.requestID)
        }
        return try await tenant(slug)
    }

    /// The brand with `slug` as the API shows it, or 404.
    private func tenant(_ slug: String) async throws -> AtriumPlatformAPI.Components.Schemas.Tenant {
        guard let record = try await services.registry.tenant(slug: slug) else { throw ProvisioningProblems.problem(.notFound(slug)) }
        return Self.tenant(record)
    }

    static func tenant(_ record: TenantRecord) -> AtriumPlatformAPI.Components.Schemas.Tenant {
        .init(slug: record.handle.slug, name: record.name,
              status: record.storedStatus == "suspended" ? .suspended : .active,
              schemaVersion: record.schemaVersion, domains: record.domains, createdAt: record.createdAt)
    }
}
