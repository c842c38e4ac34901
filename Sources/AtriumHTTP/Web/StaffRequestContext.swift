import AtriumCore
import AtriumIdentity
import AtriumTenancy
import Foundation
import Hummingbird

/// The staff member behind a Back Office request, with their roles and permissions.
struct StaffPrincipal: Sendable {
    let user: SessionUser
    let roles: [String]
    let permissions: Set<Permission>
    /// The public id of this request's session (marked "this session" on the sessions page).
    var sessionID: UUID? = nil
    /// The brand requires TOTP and this member has none yet: only the enrolment page is open.
    var mustEnrol = false

    /// The staff member as the actor of audit rows and decisions.
    var actor: String { "staff:\(user.id.uuidString.lowercased())" }
}

/// A Back Office request with a signed-in staff member. Built from a brand request that
/// `StaffSession` let through; `RequirePermission` then checks what the routes need.
struct StaffRequestContext: AudienceContext {
    var coreContext: CoreRequestContextStorage
    let origin: RequestOrigin
    let tenant: TenantRecord
    let staff: StaffPrincipal

    var site: Site { .brand(tenant) }

    init(context: BrandRequestContext) throws {
        guard let staff = context.staff else { throw HTTPError(.unauthorized) }
        self.coreContext = context.coreContext
        self.origin = context.origin
        self.tenant = context.tenant
        self.staff = staff
    }
}

/// Loads the staff member behind the staff cookie with their roles and permissions (one tenant
/// transaction). Signed out, it redirects to `/admin` (the login page); with `required: false`
/// it lets the request through without a principal.
struct StaffSession: AudienceSession {
    typealias Context = BrandRequestContext
    static var principal: WritableKeyPath<Context, StaffPrincipal?> { \.staff }
    let services: AppServices
    var required = true
    /// True only for the enrolment pages, the one place a member without a required TOTP may go.
    var enrolling = false

    func load(_ request: Request, context: Context) async throws -> StaffPrincipal? {
        let required = context.tenant.config?.securitySettings.requiresStaffTwoFactor ?? true
        return try await context.signedIn(.staff, request, services: services) { user, tx in
            let access = try await RBAC.access(of: user.id, in: tx)
            let state = try await SessionList.touch(token: request.cookies[Audience.staff.cookieName]?.value ?? "", in: tx)
            return StaffPrincipal(user: user, roles: access.roles, permissions: access.permissions, sessionID: state?.session,
                                  mustEnrol: required && state?.twoFactor != true)
        }
    }

    func signedOut() -> Response { Responses.seeOther("/admin") }

    /// As every audience session, plus the enrolment gate: a member who must enrol TOTP is sent to
    /// the enrolment page from every other Back Office page (StaffSecurityRoutes.swift).
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.staff = try await load(request, context: context)
        guard let staff = context.staff else { return required ? signedOut() : try await next(request, context) }
        if staff.mustEnrol, !enrolling { return Responses.seeOther(StaffSecurityRoutes.enrolmentPath) }
        return try await next(request, context)
    }
}

extension RouterMethods<BrandRequestContext> {
    /// A group of Back Office routes under `path` for signed-in staff holding `permission` (any staff member when nil).
    /// With `sharingTransaction`, its read-only pages run in one tenant transaction (`SharedTenantTransaction`):
    /// only for routes that call no outside service.
    func staff(_ path: RouterPath = "", _ permission: Permission?, services: AppServices, sharingTransaction: Bool = false) -> RouterGroup<StaffRequestContext> {
        let group = group(path)
        if sharingTransaction { group.add(middleware: SharedTenantTransaction(services: services)) }
        return group.add(middleware: StaffSession(services: services)).group(context: StaffRequestContext.self)
            .add(middleware: RequirePermission(permission))
    }
}
