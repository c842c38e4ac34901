import AtriumPlatformAPI
import Foundation
import Hummingbird
import OpenAPIHummingbird

/// The provisioning API's router (`/api/platform/v1` on the platform host).
enum PlatformAPIRouter {
    /// Where the API is mounted on the platform host.
    static let prefix = "/api/platform/v1"

    static func build(services: AppServices) -> some HTTPResponder<PlatformAPIRequestContext> {
        let router = Router(context: PlatformAPIRequestContext.self)
        router.add(middleware: APIProblemMiddleware())
        router.add(middleware: LogRequestsMiddleware(.info))
        router.add(middleware: MetricsMiddleware())
        if let specs = services.apiSpecs { APISpecRoutes.register(on: router, prefix: prefix, document: specs.platform) }
        let secured = router.group()
        secured.add(middleware: OperatorKeyMiddleware(services: services))
        secured.add(middleware: IdempotencyMiddleware(store: { try PlatformIdempotencyStore.current(services) }))
        do {
            try PlatformAPIHandler(services: services).registerHandlers(on: secured, serverURL: URL(string: prefix)!)
        } catch {
            // Only a spec whose paths the router cannot hold gets here: a build defect, caught by every API test.
            preconditionFailure("the generated routes of openapi.yaml do not register: \(error)")
        }
        return router.buildResponder()
    }
}
