import AtriumCore
import AtriumCRM
import AtriumIdentity
import AtriumStorage
import Foundation
import Hummingbird

/// Back Office clients (`clients.view`): the searchable, keyset-paginated list and its CSV. Every
/// query runs in the staff member's `ClientScope`, so a Sales agent sees only their own clients.
/// The client page, notes and profile edits are in `ClientAdminRoutes+Page.swift`.
struct ClientAdminRoutes: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }

    /// Rows per page when `size` is not given, and the largest `size` accepted.
    static let (pageSize, maxPageSize) = (50, 200)
    /// Rows fetched per round trip while streaming the CSV.
    static let csvBatch = 1_000

    func register(on router: Router<BrandRequestContext>) {
        let staff = router.staff("/admin/clients", .clientsView, services: services)
        staff.get { req, ctx in try await list(req, ctx) }
        staff.get(":id") { req, ctx in try await clientPage(req, ctx) }
        staff.post(":id/notes") { req, ctx in try await addNote(req, ctx) }
        staff.post(":id/profile") { req, ctx in try await editProfile(req, ctx) }
        router.staff("/admin/clients.csv", .clientsView, services: services).get { req, ctx in try await csv(req, ctx) }
    }

    static func scope(_ ctx: StaffRequestContext) -> ClientScope {
        ClientScope(staff: ctx.staff.user.id, permissions: ctx.staff.permissions)
    }

    static func parameters(_ req: Request) -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in req.uri.queryParameters { out[String(key)] = String(value) }
        return out
    }

    /// The filter, cursor and page size of a list or CSV request; a bad one names its field.
    static func listRequest(_ p: [String: String]) throws -> (ClientFilter, ClientCursor?, Int) {
        let filter = try ClientFilter(query: p)
        var cursor: ClientCursor?
        if let after = p["after"], !after.isEmpty {
            guard let c = ClientCursor(token: after) else { throw ClientError.invalid(field: "after") }
            cursor = c
        }
        var size = pageSize
        if let s = p["size"], !s.isEmpty {
            guard let n = Int(s), (1...maxPageSize).contains(n) else { throw ClientError.invalid(field: "size") }
            size = n
        }
        return (filter, cursor, size)
    }

    func list(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        let p = Self.parameters(req)
        var extra = RequirePermission.pageContext(ctx.staff)
        extra["values"] = p.filter { ["q", "kyc", "country", "agent", "ib", "funded", "from", "to"].contains($0.key) }
        let scope = Self.scope(ctx)
        do {
            let (filter, cursor, size) = try Self.listRequest(p)
            let (page, agents) = try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                (try await ClientSearch.page(filter, scope: scope, after: cursor, limit: size, in: tx), try await ClientSearch.agents(in: tx))
            }
            extra.merge(ClientListView.context(filter: filter, rows: page.rows, next: page.next, size: size, paged: cursor != nil,
                                               agents: agents, seesAll: scope.seesAll, t: t)) { _, new in new }
            return try pages.render("admin/clients", title: "clients_title_list", request: req, context: ctx, extra: extra)
        } catch let error as ClientError {
            extra.merge(ClientListView.context(filter: ClientFilter(), rows: [], next: nil, size: Self.pageSize, paged: false,
                                               agents: [], seesAll: scope.seesAll, t: t)) { _, new in new }
            extra["clients"] = [[String: Any]]()
            extra["problem"] = ["field": error.field ?? "", "message": t[error.publicMessage] ?? error.publicMessage]
            return try pages.render("admin/clients", title: "clients_title_list", request: req, context: ctx, extra: extra,
                                    status: HTTPResponse.Status(code: error.status))
        }
    }

    /// The filtered list as CSV: every page, fetched `csvBatch` rows (or `size`) at a time in the same scope and
    /// streamed. Input is checked (and the first batch read) before the response starts, so a bad
    /// filter is still a 400 naming the field.
    func csv(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        let p = Self.parameters(req)
        let filter: ClientFilter
        let size: Int
        do {
            (filter, _, size) = try Self.listRequest(p)
        } catch let error as ClientError {
            return Responses.text("\(error.field ?? ""): \(t[error.publicMessage] ?? error.publicMessage)\n", status: HTTPResponse.Status(code: error.status))
        }
        // `size` (when given) sets the batch, so a test can watch the stream cross batch boundaries.
        let batch = (p["size"] ?? "").isEmpty ? Self.csvBatch : size
        let (scope, db, handle) = (Self.scope(ctx), services.tenantDB, ctx.tenant.handle)
        let first = try await db.transaction(handle) { tx in try await ClientSearch.page(filter, scope: scope, limit: batch, in: tx) }
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"clients.csv\""
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            var page = first
            try await writer.write(ByteBuffer(string: ClientCSV.header + page.rows.map(ClientCSV.line).joined()))
            while let next = page.next {
                page = try await db.transaction(handle) { tx in try await ClientSearch.page(filter, scope: scope, after: next, limit: batch, in: tx) }
                try await writer.write(ByteBuffer(string: page.rows.map(ClientCSV.line).joined()))
            }
            try await writer.finish(nil)
        })
    }
}
