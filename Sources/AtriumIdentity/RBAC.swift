import AtriumStorage
import Foundation

/// Reads and seeds roles inside a tenant transaction.
public enum RBAC {
    /// Creates the built-in roles and their permissions; adds missing permissions on re-run.
    public static func seedBuiltinRoles(in tx: TenantTransaction) async throws {
        for role in BuiltinRole.allCases {
            try await tx.query("INSERT INTO roles (name, builtin) VALUES (\(role.rawValue), true) ON CONFLICT (name) DO NOTHING")
            let permissions = role.permissions.map(\.rawValue).sorted()
            try await tx.query("""
                INSERT INTO role_permissions (role_id, permission)
                SELECT r.id, p FROM roles r, unnest(\(permissions)::text[]) p WHERE r.name = \(role.rawValue)
                ON CONFLICT DO NOTHING
                """)
        }
    }

    /// Grants a role by name to a user.
    public static func grant(_ role: BuiltinRole, to user: UUID, in tx: TenantTransaction) async throws {
        try await tx.query("""
            INSERT INTO user_roles (user_id, role_id) SELECT \(user), id FROM roles WHERE name = \(role.rawValue)
            ON CONFLICT DO NOTHING
            """)
    }

    /// The user's permissions (union over roles) and role names.
    public static func access(of user: UUID, in tx: TenantTransaction) async throws -> (roles: [String], permissions: Set<Permission>) {
        let rows = try await tx.query("""
            SELECT r.name, coalesce(array_agg(rp.permission) FILTER (WHERE rp.permission IS NOT NULL), '{}')
            FROM user_roles ur JOIN roles r ON r.id = ur.role_id LEFT JOIN role_permissions rp ON rp.role_id = r.id
            WHERE ur.user_id = \(user) GROUP BY r.name ORDER BY r.name
            """).collect()
        var roles: [String] = []
        var permissions = Set<Permission>()
        for row in rows {
            let (name, perms) = try row.decode((String, [String]).self)
            roles.append(name)
            permissions.formUnion(perms.compactMap(Permission.init(rawValue:)))
        }
        return (roles, permissions)
    }
}
