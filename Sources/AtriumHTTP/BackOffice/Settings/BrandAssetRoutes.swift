import AtriumTenancy
import Foundation
import Hummingbird
import HTTPTypes

/// Serves a brand's uploaded assets (`/brand/assets/<name>`) from its tenant schema, so that every
/// server process answers with the same bytes. Names are content-addressed: cached for good.
struct BrandAssetRoutes: Sendable {
    let services: AppServices

    func register(on router: Router<BrandRequestContext>) {
        router.get("/brand/assets/:name") { req, ctx in try await serve(req, ctx) }
    }

    func serve(_ req: Request, _ ctx: BrandRequestContext) async throws -> Response {
        let name = ctx.parameters.get("name") ?? ""
        guard BrandAssets.isAsset(name),
              let asset = try await services.tenantDB.transaction(ctx.tenant.handle, { tx in try await BrandAssets.asset(named: name, in: tx) }) else {
            return Responses.text("not found\n", status: .notFound)
        }
        var headers = HTTPFields()
        headers[.eTag] = "\"\(asset.sha256)\""
        headers[.cacheControl] = "public, max-age=31536000, immutable"
        headers[.xContentTypeOptions] = "nosniff"
        if let match = req.headers[.ifNoneMatch], match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == "\"\(asset.sha256)\"" }) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = asset.contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }
}
