import AtriumBrandAPI
import Foundation
import Hummingbird
import OpenAPIHummingbird

/// The brand API's router (`/api/v1` on every brand host): problem+json for every error, then
/// the key check, then the handlers generated from `Sources/AtriumBrandAPI/openapi.yaml`.
enum BrandAPIRouter {
    /// Where the API is mounted on a brand host.
    static let prefix = "/api/v1"

    static func build(services: AppServices) -> some HTTPResponder<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: APIProblemMiddleware())
        router.add(middleware: LogRequestsMiddleware(.info))
        router.add(middleware: MetricsMiddleware())
        if let specs = services.apiSpecs { APISpecRoutes.register(on: router, prefix: prefix, document: specs.brand) }
        // Everything below needs a key of this brand.
        let secured = router.group()
        secured.add(middleware: APIKeyMiddleware(services: services))
        secured.add(middleware: APIRateLimitMiddleware(services: services))
        secured.add(middleware: JSONNullMiddleware())
        secured.add(middleware: IdempotencyMiddleware(store: { try BrandIdempotencyStore.current(services) }))
        do {
            try BrandAPIHandler(services: services).registerHandlers(on: secured, serverURL: URL(string: prefix)!)
        } catch {
            // Only a spec whose paths the router cannot hold gets here: a build defect, caught by every API test.
            preconditionFailure("the generated routes of openapi.yaml do not register: \(error)")
        }
        return router.buildResponder()
    }
}
