import AtriumCore
import AtriumStorage
import Foundation
import PostgresNIO

/// A Back Office account as the staff list shows it.
public struct StaffMember: Sendable, Equatable {
    public let id: UUID
    public let email: String
    public let name: String
    /// `active`, `invited` (no password yet) or `disabled`.
    public let status: String
    /// Role names, sorted.
    public let roles: [String]
    public let roleIDs: Set<UUID>
    /// Whether TOTP is enrolled.
    public let twoFactor: Bool
    public let lastSignInAt: Date?
}

/// The brand's staff: the list, invitations, role changes, deactivation and reactivation. Every
/// change is audited in the same transaction; refusals throw `StaffAdminError` before anything is written.
public enum StaffDirectory {
    static let columns = """
        u.id, u.email, u.name, u.status, u.totp_enabled_at IS NOT NULL, u.last_sign_in_at,
        coalesce(array_agg(r.name ORDER BY r.name) FILTER (WHERE r.id IS NOT NULL), '{}'),
        coalesce(array_agg(r.id) FILTER (WHERE r.id IS NOT NULL), '{}')
        """

    static func member(_ row: PostgresRow) throws -> StaffMember {
        let (id, email, name, status, totp, seen, roles, roleIDs) = try row.decode((UUID, String, String, String, Bool, Date?, [String], [UUID]).self)
        return StaffMember(id: id, email: email, name: name, status: status, roles: roles, roleIDs: Set(roleIDs), twoFactor: totp, lastSignInAt: seen)
    }

    /// Every staff account, active first, then by email.
    public static func list(in tx: TenantTransaction) async throws -> [StaffMember] {
        try await tx.query("""
            SELECT \(unescaped: columns) FROM users u
            LEFT JOIN user_roles ur ON ur.user_id = u.id LEFT JOIN roles r ON r.id = ur.role_id
            WHERE u.audience = 'staff' GROUP BY u.id
            ORDER BY (u.status = 'disabled'), lower(u.email)
            """).collect().map(member)
    }

    /// One staff account, or nil.
    public static func member(id: UUID, in tx: TenantTransaction) async throws -> StaffMember? {
        try await tx.query("""
            SELECT \(unescaped: columns) FROM users u
            LEFT JOIN user_roles ur ON ur.user_id = u.id LEFT JOIN roles r ON r.id = ur.role_id
            WHERE u.audience = 'staff' AND u.id = \(id) GROUP BY u.id
            """).collect().first.map(member)
    }

    /// Invites a new staff member: an `invited` account without a password, its roles and a
    /// single-use invitation token (the caller mails the link through the outbox in this transaction).
    /// `grantor` is what the inviting member may do: nobody grants a permission they do not hold.
    public static func invite(email rawEmail: String, name rawName: String, roles: Set<UUID>, grantor: Set<Permission>, actor: String,
                              requestID: String, in tx: TenantTransaction) async throws -> (user: UUID, token: String) {
        let email = try StaffAdminError.text(rawEmail, field: "email", max: 254).lowercased()
        let name = try StaffAdminError.text(rawName, field: "name", max: 200)
        let names = try await roleNames(roles, in: tx)
        try await requireHeld(roles, by: grantor, in: tx)
        guard let user = try await Users.create(audience: .staff, email: email, name: name, passwordHash: nil, status: "invited", in: tx) else {
            throw StaffAdminError(field: "email", .emailTaken, detail: email)
        }
        try await tx.query("INSERT INTO user_roles (user_id, role_id) SELECT \(user), unnest(\(Array(roles))::uuid[])")
        let token = try await Invitations.create(user: user, in: tx)
        try await AuditLog.append(AuditEntry(actor: actor, action: "staff.invited", subject: "staff:\(user.uuidString.lowercased())",
                                             after: try CanonicalJSON.object(["email": email, "name": name, "roles": names]), requestID: requestID), in: tx)
        return (user, token)
    }

    /// Replaces a member's roles. Refused when no role is chosen, a role is unknown, a new role
    /// carries a permission the `grantor` lacks, or the change would leave the brand without an
    /// active Super Admin.
    public static func setRoles(member id: UUID, roles: Set<UUID>, grantor: Set<Permission>, actor: String, requestID: String,
                                in tx: TenantTransaction) async throws {
        let names = try await roleNames(roles, in: tx)
        let superAdmin = try await lockSuperAdmin(in: tx)
        guard let before = try await member(id: id, in: tx) else { throw StaffAdminError(field: "member", .notFound) }
        try await requireHeld(roles.subtracting(before.roleIDs), by: grantor, in: tx)
        if let superAdmin, before.status == "active", before.roleIDs.contains(superAdmin), !roles.contains(superAdmin),
           try await otherActiveSuperAdmins(superAdmin, excluding: id, in: tx) == 0 {
            throw StaffAdminError(field: "roles", .lastSuperAdmin)
        }
        guard before.roleIDs != roles else { return }
        try await tx.query("DELETE FROM user_roles WHERE user_id = \(id)")
        try await tx.query("INSERT INTO user_roles (user_id, role_id) SELECT \(id), unnest(\(Array(roles))::uuid[])")
        try await AuditLog.append(AuditEntry(actor: actor, action: "staff.roles_changed", subject: "staff:\(id.uuidString.lowercased())",
                                             before: try CanonicalJSON.object(["roles": before.roles]),
                                             after: try CanonicalJSON.object(["roles": names]), requestID: requestID), in: tx)
    }

    /// Deactivates (`active: false`) or reactivates a member. Deactivation deletes their sessions,
    /// sign-in challenges and unused invitations in the same transaction, so their next request is
    /// signed out. Nobody deactivates themself, and the last active Super Admin stays.
    public static func setActive(_ active: Bool, member id: UUID, by staff: UUID, actor: String, requestID: String,
                                 in tx: TenantTransaction) async throws {
        let superAdmin = try await lockSuperAdmin(in: tx)
        guard let before = try await member(id: id, in: tx) else { throw StaffAdminError(field: "member", .notFound) }
        if active {
            guard before.status == "disabled" else { return }
            // A member who never set a password goes back to `invited`; an administrator sends a new invitation.
            try await tx.query("""
                UPDATE users SET status = CASE WHEN password_hash IS NULL THEN 'invited' ELSE 'active' END, updated_at = now() WHERE id = \(id)
                """)
        } else {
            guard id != staff else { throw StaffAdminError(field: "status", .selfDeactivation) }
            guard before.status != "disabled" else { return }
            if let superAdmin, before.status == "active", before.roleIDs.contains(superAdmin),
               try await otherActiveSuperAdmins(superAdmin, excluding: id, in: tx) == 0 {
                throw StaffAdminError(field: "status", .lastSuperAdmin)
            }
            try await tx.query("UPDATE users SET status = 'disabled', updated_at = now() WHERE id = \(id)")
            try await tx.query("DELETE FROM sessions WHERE user_id = \(id)")
            try await tx.query("DELETE FROM login_challenges WHERE user_id = \(id)")
            try await tx.query("UPDATE invitations SET used_at = now() WHERE user_id = \(id) AND used_at IS NULL")
        }
        let after = try await tx.query("SELECT status FROM users WHERE id = \(id)").collect().first?.decode(String.self) ?? ""
        try await AuditLog.append(AuditEntry(actor: actor, action: active ? "staff.reactivated" : "staff.deactivated",
                                             subject: "staff:\(id.uuidString.lowercased())",
                                             before: try CanonicalJSON.object(["status": before.status]),
                                             after: try CanonicalJSON.object(["status": after]), requestID: requestID), in: tx)
    }

    /// The names of `roles`, all of which must exist; at least one is needed.
    static func roleNames(_ roles: Set<UUID>, in tx: TenantTransaction) async throws -> [String] {
        guard !roles.isEmpty else { throw StaffAdminError(field: "roles", .noRoles) }
        let names = try await tx.query("SELECT name FROM roles WHERE id = ANY(\(Array(roles))::uuid[]) ORDER BY name").collect().map { try $0.decode(String.self) }
        guard names.count == roles.count else { throw StaffAdminError(field: "roles", .unknownRole) }
        return names
    }

    /// Refuses roles carrying a permission `grantor` does not hold, so `staff.manage` alone is no
    /// way to a Super Admin's powers.
    static func requireHeld(_ roles: Set<UUID>, by grantor: Set<Permission>, in tx: TenantTransaction) async throws {
        guard !roles.isEmpty else { return }
        let granted = try await tx.query("SELECT DISTINCT permission FROM role_permissions WHERE role_id = ANY(\(Array(roles))::uuid[])")
            .collect().map { try $0.decode(String.self) }
        let missing = granted.filter { Permission(rawValue: $0).map { !grantor.contains($0) } ?? false }.sorted()
        guard missing.isEmpty else { throw StaffAdminError(field: "roles", .beyondOwnPermissions, detail: missing.joined(separator: ", ")) }
    }

    /// Locks the Super Admin role row, so two administrators cannot each remove the other
    /// at the same time and leave the brand without one; returns its id.
    static func lockSuperAdmin(in tx: TenantTransaction) async throws -> UUID? {
        try await tx.query("SELECT id FROM roles WHERE name = \(BuiltinRole.superAdmin.rawValue) AND builtin FOR UPDATE")
            .collect().first?.decode(UUID.self)
    }

    static func otherActiveSuperAdmins(_ role: UUID, excluding id: UUID, in tx: TenantTransaction) async throws -> Int {
        try await tx.query("""
            SELECT count(*)::int FROM user_roles ur JOIN users u ON u.id = ur.user_id
            WHERE ur.role_id = \(role) AND u.id <> \(id) AND u.status = 'active' AND u.audience = 'staff'
            """).collect().first?.decode(Int.self) ?? 0
    }
}
