import AtriumLedger
import AtriumTenancy
import Foundation
import Hummingbird

/// `/usage`: per brand, clients, active traders and deposits this month, and the schema's size.
/// Each brand is read in its own tenant transaction, one after the other, a page of brands at a time.
struct ConsoleUsage: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }

    func page(_ req: Request, _ ctx: OperatorRequestContext) async throws -> Response {
        let tenants = try await services.registry.all()
        let paging = ConsolePaging(req, count: tenants.count)
        let since = TenantUsage.monthStart(of: Date())
        var rows: [[String: Any]] = []
        for tenant in paging.slice(tenants) {
            var row: [String: Any] = ["slug": tenant.handle.slug, "name": tenant.name, "status": tenant.status]
            do {
                let usage = try await services.tenantDB.transaction(tenant.handle) { tx in try await TenantUsage.query(since: since, in: tx) }
                row["clients"] = usage.clients
                row["activeTraders"] = usage.activeTraders
                row["deposits"] = usage.deposits.sorted { $0.key < $1.key }.map { code, minor in
                    ["currency": code, "amount": Currency(code).map { Money(minor: minor, currency: $0).amountText } ?? "\(minor)"]
                }
                row["storage"] = Self.bytes(usage.storageBytes)
                row["storageBytes"] = usage.storageBytes
            } catch {
                // One broken brand must not hide the others; the log has the detail.
                services.logger.warning("console usage unavailable", metadata: ["tenant": "\(tenant.handle.slug)", "error": "\(error)"])
                row["unavailable"] = true
            }
            rows.append(row)
        }
        let formatter = ISO8601DateFormatter()
        return try pages.render("ops/usage", title: "console_usage_title", request: req, context: ctx, extra: [
            "operator": ["email": ctx.operatorUser.email], "user": ["email": ctx.operatorUser.email, "name": ctx.operatorUser.email],
            "tenants": rows, "since": formatter.string(from: since), "paging": paging.context,
        ])
    }

    /// A size for people: bytes in KiB, MiB or GiB with one decimal, computed in integers.
    static func bytes(_ n: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var unit = 0
        var scale: Int64 = 1
        while unit < units.count - 1, n >= scale * 1024 { scale *= 1024; unit += 1 }
        guard unit > 0 else { return "\(n) B" }
        let tenths = (n * 10 + scale / 2) / scale
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }
}
