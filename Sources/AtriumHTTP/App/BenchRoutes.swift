import AtriumCore
import AtriumIdentity
import AtriumStorage
import Hummingbird

/// `/bench/page`: a tenant-scoped page doing exactly what `ops/bench/tenant-page.sql` does in
/// pgbench (session check and one small query in one tenant transaction), plus a template render.
/// Mounted only when ATRIUM_BENCH_ROUTES is on.
struct BenchRoutes: Sendable {
    let services: AppServices

    func register(on router: Router<BrandRequestContext>) {
        router.get("/bench/page") { req, ctx in
            guard let token = req.cookies[Audience.trader.cookieName]?.value else { throw HTTPError(.unauthorized) }
            let (user, count) = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                let user = try await Sessions.user(token: token, audience: .trader, in: tx)
                let count = try await tx.query("SELECT count(*) FROM audit_log").collect().first?.decode(Int.self) ?? 0
                return (user, count)
            }
            guard let user else { throw HTTPError(.unauthorized) }
            return try Pages(services: services).render("trader/home", title: "title_home", request: req, context: ctx,
                                                        extra: ["user": ["name": user.name, "email": user.email], "roleCount": count])
        }
    }
}
