import AtriumCore
import AtriumStorage
import Foundation
import PostgresNIO

/// A role as the matrix editor shows it: its permissions and who holds it.
public struct RoleInfo: Sendable, Equatable {
    public let id: UUID
    public let name: String
    public let description: String
    /// Built-in roles are read-only (code and the AP005 trigger of migration 0017).
    public let builtin: Bool
    public let permissions: Set<Permission>
    /// Emails of the staff members holding the role, sorted.
    public let holders: [String]
}

/// Custom roles built from the named permissions. A role still held by someone is not deleted:
/// the refusal names the holders, so an administrator moves them to another role first and no
/// one loses access as a side effect.
public enum Roles {
    public static let maximumNameLength = 60
    public static let maximumDescriptionLength = 500

    /// Every role, built-in first, then by name.
    public static func all(in tx: TenantTransaction) async throws -> [RoleInfo] {
        try await tx.query("""
            SELECT r.id, r.name, r.description, r.builtin,
                   coalesce((SELECT array_agg(permission ORDER BY permission) FROM role_permissions WHERE role_id = r.id), '{}'),
                   coalesce((SELECT array_agg(u.email ORDER BY u.email) FROM user_roles ur JOIN users u ON u.id = ur.user_id WHERE ur.role_id = r.id), '{}')
            FROM roles r ORDER BY NOT r.builtin, r.name
            """).collect().map(info)
    }

    /// One role, or nil.
    public static func role(id: UUID, in tx: TenantTransaction) async throws -> RoleInfo? {
        try await tx.query("""
            SELECT r.id, r.name, r.description, r.builtin,
                   coalesce((SELECT array_agg(permission ORDER BY permission) FROM role_permissions WHERE role_id = r.id), '{}'),
                   coalesce((SELECT array_agg(u.email ORDER BY u.email) FROM user_roles ur JOIN users u ON u.id = ur.user_id WHERE ur.role_id = r.id), '{}')
            FROM roles r WHERE r.id = \(id)
            """).collect().first.map(info)
    }

    static func info(_ row: PostgresRow) throws -> RoleInfo {
        let (id, name, description, builtin, permissions, holders) = try row.decode((UUID, String, String, Bool, [String], [String]).self)
        return RoleInfo(id: id, name: name, description: description, builtin: builtin,
                        permissions: Set(permissions.compactMap(Permission.init(rawValue:))), holders: holders)
    }

    /// Creates a custom role; returns its id. Audited with the new role as `after`.
    /// `grantor` is what the editing member may do: a role never carries a permission its editor lacks.
    public static func create(name rawName: String, description rawDescription: String, permissions: Set<Permission>, grantor: Set<Permission>,
                              actor: String, requestID: String, in tx: TenantTransaction) async throws -> UUID {
        let (name, description) = try validate(name: rawName, description: rawDescription, permissions: permissions, grantor: grantor)
        try await requireFreeName(name, except: nil, in: tx)
        guard let id = try await tx.query("""
            INSERT INTO roles (name, builtin, description) VALUES (\(name), false, \(description)) RETURNING id
            """).collect().first?.decode(UUID.self) else { throw StaffAdminError(field: "name", .nameTaken) }
        try await insertPermissions(permissions, role: id, in: tx)
        try await AuditLog.append(AuditEntry(actor: actor, action: "role.created", subject: "role:\(id.uuidString.lowercased())",
                                             after: try snapshot(name: name, description: description, permissions: permissions), requestID: requestID), in: tx)
        return id
    }

    /// Changes a custom role's name, description and permissions. A built-in role is refused by
    /// the database (AP005), reported as `builtinReadOnly` on `role`. Audited with before and after.
    public static func update(id: UUID, name rawName: String, description rawDescription: String, permissions: Set<Permission>,
                              grantor: Set<Permission>, actor: String, requestID: String, in tx: TenantTransaction) async throws {
        guard let before = try await role(id: id, in: tx) else { throw StaffAdminError(field: "role", .notFound) }
        let (name, description) = try validate(name: rawName, description: rawDescription, permissions: permissions, grantor: grantor)
        try await requireFreeName(name, except: id, in: tx)
        do {
            // The roles row first: for a built-in role the trigger refuses here, before any permission changes.
            try await tx.query("UPDATE roles SET name = \(name), description = \(description) WHERE id = \(id)")
            try await tx.query("DELETE FROM role_permissions WHERE role_id = \(id)")
        } catch where error.sqlState == "AP005" {
            throw StaffAdminError(field: "role", .builtinReadOnly, detail: before.name)
        }
        try await insertPermissions(permissions, role: id, in: tx)
        try await AuditLog.append(AuditEntry(actor: actor, action: "role.updated", subject: "role:\(id.uuidString.lowercased())",
                                             before: try snapshot(name: before.name, description: before.description, permissions: before.permissions),
                                             after: try snapshot(name: name, description: description, permissions: permissions), requestID: requestID), in: tx)
    }

    /// Deletes a custom role nobody holds. Refused, naming the holders, while someone holds it;
    /// a built-in role is refused by the database (AP005). Audited with the role as `before`.
    public static func delete(id: UUID, actor: String, requestID: String, in tx: TenantTransaction) async throws {
        // Locks the row, so nobody is granted the role between the holder check and the delete.
        guard try await !tx.query("SELECT 1 FROM roles WHERE id = \(id) FOR UPDATE").collect().isEmpty,
              let before = try await role(id: id, in: tx) else { throw StaffAdminError(field: "role", .notFound) }
        if !before.builtin, !before.holders.isEmpty {
            throw StaffAdminError(field: "role", .roleInUse, detail: before.holders.joined(separator: ", "))
        }
        do {
            try await tx.query("DELETE FROM roles WHERE id = \(id)")
        } catch where error.sqlState == "AP005" {
            throw StaffAdminError(field: "role", .builtinReadOnly, detail: before.name)
        }
        try await AuditLog.append(AuditEntry(actor: actor, action: "role.deleted", subject: "role:\(id.uuidString.lowercased())",
                                             before: try snapshot(name: before.name, description: before.description, permissions: before.permissions),
                                             requestID: requestID), in: tx)
    }

    static func validate(name: String, description: String, permissions: Set<Permission>, grantor: Set<Permission>) throws -> (String, String) {
        let name = try StaffAdminError.text(name, field: "name", max: maximumNameLength)
        let description = try StaffAdminError.text(description, field: "description", max: maximumDescriptionLength, required: false)
        guard !permissions.isEmpty else { throw StaffAdminError(field: "permissions", .noPermissions) }
        let missing = permissions.subtracting(grantor).map(\.rawValue).sorted()
        guard missing.isEmpty else { throw StaffAdminError(field: "permissions", .beyondOwnPermissions, detail: missing.joined(separator: ", ")) }
        return (name, description)
    }

    /// Role names are unique regardless of case, and never a built-in role's name.
    static func requireFreeName(_ name: String, except id: UUID?, in tx: TenantTransaction) async throws {
        let clash = try await tx.query("SELECT id FROM roles WHERE lower(name) = lower(\(name))").collect().map { try $0.decode(UUID.self) }
        if clash.contains(where: { $0 != id }) { throw StaffAdminError(field: "name", .nameTaken, detail: name) }
    }

    static func insertPermissions(_ permissions: Set<Permission>, role id: UUID, in tx: TenantTransaction) async throws {
        try await tx.query("""
            INSERT INTO role_permissions (role_id, permission) SELECT \(id), unnest(\(permissions.map(\.rawValue).sorted())::text[])
            """)
    }

    static func snapshot(name: String, description: String, permissions: Set<Permission>) throws -> String {
        try CanonicalJSON.object(["name": name, "description": description, "permissions": permissions.map(\.rawValue).sorted()])
    }
}
