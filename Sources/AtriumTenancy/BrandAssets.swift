import AtriumStorage
import Foundation
import NIOCore

/// Files a brand's settings point at (`brand_assets`): stored in the tenant schema so that every
/// server process serves the same bytes, named by their content.
public enum BrandAssets {
    /// A stored asset, ready to serve.
    public struct Asset: Sendable {
        public let contentType: String
        public let bytes: [UInt8]
        public let sha256: String
    }

    /// Stores a checked logo under its content name; storing the same bytes again changes nothing.
    public static func storeLogo(_ bytes: [UInt8], logo: BrandLogo, sha256: String, actor: String, in tx: TenantTransaction) async throws -> String {
        let name = BrandLogo.assetName(sha256: sha256, format: logo.format)
        try await tx.query("""
            INSERT INTO brand_assets (name, content_type, bytes, sha256, width, height, created_by)
            VALUES (\(name), \(logo.format.contentType), \(ByteBuffer(bytes: bytes)), \(sha256), \(logo.width), \(logo.height), \(actor))
            ON CONFLICT (name) DO NOTHING
            """)
        return name
    }

    /// The asset called `name`, or nil.
    public static func asset(named name: String, in tx: TenantTransaction) async throws -> Asset? {
        for try await (type, buffer, sha) in try await tx.query("SELECT content_type, bytes, sha256 FROM brand_assets WHERE name = \(name)")
            .decode((String, ByteBuffer, String).self) {
            return Asset(contentType: type, bytes: Array(buffer: buffer), sha256: sha)
        }
        return nil
    }

    /// Whether a `branding.logo` value names a stored asset rather than a file under `templates/brands/<slug>/static/`.
    public static func isAsset(_ logo: String) -> Bool { logo.range(of: namePattern, options: .regularExpression) != nil }

    /// The shape of an asset name: `asset-` and 20 hex digits of its SHA-256, then the format.
    public static let namePattern = "^asset-[0-9a-f]{20}\\.(png|jpg|webp)$"
}
