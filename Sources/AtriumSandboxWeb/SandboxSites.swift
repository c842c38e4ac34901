import AtriumCore
import AtriumHTTP
import Foundation
import Hummingbird

/// The development sites for `buildApplication`: the sandbox PSP, when the configuration enables
/// it (`ATRIUM_ENV=development`, `ATRIUM_SANDBOX_PSP` on). Production gets none.
public enum SandboxSites {
    public static func development(services: AppServices) -> DevelopmentSites {
        guard let psp = psp(services: services) else { return DevelopmentSites() }
        return development(psp: psp, services: services)
    }

    /// A sandbox PSP sharing the services' sandbox keys; nil unless the sandbox is enabled.
    public static func psp(services: AppServices, limits: SandboxPSPState.Limits = .init()) -> SandboxPSP? {
        guard services.config.sandboxPSPEnabled, let keys = services.payments.sandbox.keys else { return nil }
        let endpoint = services.payments.sandbox
        return SandboxPSP(keys: keys, appOrigin: {
            // The sandbox's base is this server's loopback port plus `/sandbox-psp`.
            guard var u = URLComponents(string: endpoint.base) else { return "http://127.0.0.1" }
            u.path = ""
            return u.string ?? "http://127.0.0.1"
        }, limits: limits, logger: services.logger)
    }

    /// The sites around an existing sandbox PSP (tests keep a handle on it).
    public static func development(psp: SandboxPSP, services: AppServices) -> DevelopmentSites {
        guard services.config.sandboxPSPEnabled else { return DevelopmentSites() }
        let router = Router(context: AtriumRequestContext.self)
        router.add(middleware: LogRequestsMiddleware(.info))
        let registry = services.registry
        SandboxPSPRoutes(psp: psp, renderer: services.renderer, isBrandHost: { host in
            ((try? await registry.resolve(host: host)) ?? nil) != nil
        }).register(on: router)
        return DevelopmentSites(sandboxPSP: router.buildResponder())
    }
}
