import AtriumCore
import AtriumIdentity
import AtriumStorage
import AtriumTenancy
import Foundation
import Hummingbird
import HTTPTypes
import Logging

/// `/health`, `/ready`, the TLS check and the shared stylesheet: host-independent.
/// `/metrics` is not here: it is served only by `MetricsListener`, never on a public host.
struct Operations: Sendable {
    let services: AppServices

    func respond(to request: Request) async -> Response? {
        switch request.uri.path {
        case "/health":
            return Responses.text("ok\n")
        case "/ready":
            guard await services.database.isReachable() else { return Responses.text("database unreachable\n", status: .serviceUnavailable) }
            let migrator = Migrator(database: services.database, migrations: services.migrations)
            guard (try? await migrator.platformIsCurrent()) == true else { return Responses.text("platform migrations pending\n", status: .serviceUnavailable) }
            let behind = (try? await services.registry.all().filter { $0.schemaVersion < services.migrations.currentTenantVersion }.count) ?? -1
            guard behind == 0 else { return Responses.text("tenant migrations pending for \(behind) tenant(s)\n", status: .serviceUnavailable) }
            // One brand's unreadable config must not take every brand out of the load balancer:
            // the process stays ready and names the brands that are down.
            let invalid = ((try? await services.registry.all()) ?? []).filter { $0.configProblem != nil }.map(\.handle.slug)
            return Responses.text("ready\n" + (invalid.isEmpty ? "" : "\(TenantRecord.configInvalid): \(invalid.joined(separator: ", "))\n"))
        case "/internal/tls/ask":
            // Caddy's on-demand TLS asks before issuing a certificate: only registered brand hosts get one.
            let domain = request.uri.queryParameters.get("domain") ?? ""
            let known = (try? await services.registry.resolve(host: domain)) != nil
            return Responses.text(known ? "ok\n" : "unknown\n", status: known ? .ok : .notFound)
        case "/static/atrium.css":
            return StaticFiles.serve(path: request.uri.path, brand: nil, root: services.config.templatesDirectory)
        default:
            return nil
        }
    }
}

/// The internal listener for Prometheus (`ATRIUM_METRICS_ADDRESS`): `/metrics` and nothing
/// else, on an address of its own that no proxy forwards to.
enum MetricsListener {
    static func application(host: String, port: Int, logger: Logger,
                            onRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let router = Router()
        router.get("/metrics") { _, _ in
            Responses.text(AtriumMetrics.registry.emitToString(), contentType: "text/plain; version=0.0.4")
        }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "Atrium metrics"),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) }, logger: logger)
    }
}
