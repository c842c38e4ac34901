import AtriumTenancy
import Foundation
import Hummingbird

/// `/status`: per brand, its schema version against the newest migration, the last sync of each
/// platform connection (`trading_sync`) and each PSP's circuit state with its failures of the last day.
struct ConsoleHealth: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }

    func page(_ req: Request, _ ctx: OperatorRequestContext) async throws -> Response {
        let tenants = try await services.registry.all()
        let paging = ConsolePaging(req, count: tenants.count)
        let current = services.migrations.tenant.map(\.version).max() ?? 0
        let since = Date().addingTimeInterval(-86_400)
        let formatter = ISO8601DateFormatter()
        let time = { (d: Date?) in d.map { formatter.string(from: $0) } ?? "—" }
        var rows: [[String: Any]] = []
        for tenant in paging.slice(tenants) {
            var row: [String: Any] = ["slug": tenant.handle.slug, "name": tenant.name, "status": tenant.status,
                                      "schemaVersion": tenant.schemaVersion, "currentVersion": current,
                                      "schemaCurrent": tenant.schemaVersion == current]
            do {
                let record = try await services.tenantDB.transaction(tenant.handle) { tx in try await TenantHealthRecord.query(since: since, in: tx) }
                // Configured connections that never synced show as "never" rather than being missing.
                let configured = tenant.config?.platforms?.map(\.id) ?? []
                let ids = Array(Set(configured + record.platforms.map(\.connectionID))).sorted()
                row["platforms"] = ids.map { id -> [String: Any] in
                    let p = record.platforms.first { $0.connectionID == id }
                    var out: [String: Any] = ["id": id, "status": p?.status ?? "never", "ok": p?.status == "ok", "lastSuccess": time(p?.lastSuccessAt),
                                              "lastAttempt": time(p?.lastAttemptAt)]
                    // Left out when empty: Mustache treats any string, even "", as true.
                    if let error = p?.lastError, !error.isEmpty { out["lastError"] = error }
                    return out
                }
                let psps = Array(Set((tenant.config?.psps?.map(\.id) ?? []) + record.psps.map(\.pspID))).sorted()
                row["psps"] = psps.map { id -> [String: Any] in
                    let p = record.psps.first { $0.pspID == id }
                    let circuit = services.payments.breaker.state(tenant: tenant.handle.id, psp: id).rawValue
                    return ["id": id, "circuit": circuit, "ok": circuit == "closed", "failed": p?.failedLastDay ?? 0,
                            "succeeded": p?.succeededLastDay ?? 0, "lastFailure": time(p?.lastFailureAt)]
                }
            } catch {
                services.logger.warning("console health unavailable", metadata: ["tenant": "\(tenant.handle.slug)", "error": "\(error)"])
                row["unavailable"] = true
            }
            rows.append(row)
        }
        return try pages.render("ops/health", title: "console_health_title", request: req, context: ctx, extra: [
            "operator": ["email": ctx.operatorUser.email], "user": ["email": ctx.operatorUser.email, "name": ctx.operatorUser.email],
            "tenants": rows, "currentVersion": current, "paging": paging.context,
            "rescreens": try await ConsoleRescreens.rows(services),
        ])
    }
}
