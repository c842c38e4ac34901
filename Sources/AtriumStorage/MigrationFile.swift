import AtriumCore
import Crypto
import Foundation

/// One numbered SQL file from `migrations/platform` or `migrations/tenant`.
public struct MigrationFile: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String
    /// SHA-256 of the file's bytes, recorded when applied; an edited file no longer matches.
    public let checksum: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = Token.hex(SHA256.hash(data: Data(sql.utf8)))
    }

    /// Four-digit label used in progress lines, e.g. `0007`.
    public var label: String { String(format: "%04d", version) }

    /// Loads `NNNN_description.sql` files from `directory`, sorted by number; rejects duplicates and bad names.
    public static func load(directory: String) throws -> [MigrationFile] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var files: [MigrationFile] = []
        for name in names where name.hasSuffix(".sql") {
            let parts = name.split(separator: "_", maxSplits: 1)
            guard parts.count == 2, parts[0].count == 4, let version = Int(parts[0]), version > 0 else {
                throw StorageError.migrationFileName(name)
            }
            let sql = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
            files.append(MigrationFile(version: version, name: name, sql: sql))
        }
        files.sort { $0.version < $1.version }
        for (a, b) in zip(files, files.dropFirst()) where a.version == b.version {
            throw StorageError.migrationFileName("\(a.name) and \(b.name) share number \(a.label)")
        }
        return files
    }
}

/// The migrations of both scopes, read once.
public struct MigrationSet: Sendable {
    public let platform: [MigrationFile]
    public let tenant: [MigrationFile]

    public init(platform: [MigrationFile], tenant: [MigrationFile]) {
        self.platform = platform
        self.tenant = tenant
    }

    public static func load(root: String) throws -> MigrationSet {
        MigrationSet(platform: try MigrationFile.load(directory: root + "/platform"),
                     tenant: try MigrationFile.load(directory: root + "/tenant"))
    }

    /// Highest tenant migration number: the schema version a current tenant has.
    public var currentTenantVersion: Int { tenant.last?.version ?? 0 }
    public var currentPlatformVersion: Int { platform.last?.version ?? 0 }
}
