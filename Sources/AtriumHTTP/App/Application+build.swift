import AtriumCompliance
import AtriumCore
import AtriumIdentity
import AtriumPartners
import AtriumPayments
import AtriumStorage
import AtriumTenancy
import AtriumTrading
import AtriumWork
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import Prometheus
import ServiceLifecycle
import Synchronization

/// Prometheus registry shared by the process; swift-metrics is bootstrapped once.
public enum AtriumMetrics {
    public static let registry = PrometheusCollectorRegistry()
    private static let bootstrapped = Mutex(false)

    static func bootstrap() {
        let first = bootstrapped.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        if first { MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry)) }
    }
}

/// Resolves the database (embedded cluster when DATABASE_URL is unset, in development only) and
/// builds the services. The returned `Database` client must be running (it is one of the
/// application's services, or use `withRunningServices`).
public func makeServices(config: AppConfig, logger: Logger) async throws -> AppServices {
    let url: DatabaseURL
    if let raw = config.databaseURL {
        url = try DatabaseURL(parsing: raw)
    } else if !config.isDevelopment {
        throw ConfigError.invalid(key: "DATABASE_URL", expected: "a postgres:// URL (production never starts the embedded cluster)", got: "")
    } else {
        let embedded = EmbeddedPostgres(root: config.home + "/pg", port: config.embeddedPostgresPort)
        try await embedded.start(logger: logger)
        url = try embedded.appURL()
    }
    let database = Database(url: url, poolSize: config.poolSize, preparedStatements: config.databasePreparedStatements, pooler: config.databasePooler,
                            logger: logger, directURL: try config.directDatabaseURL.map(DatabaseURL.init(parsing:)))
    let migrations = try MigrationSet.load(root: config.migrationsDirectory)
    let renderer = try Renderer(root: config.templatesDirectory, overrideCacheSize: config.templateCacheSize)
    let registry = TenantRegistry(database: database, platformDomain: config.platformDomain)
    let master = try MasterKey.load(config: config)
    let provisioning = ProvisioningService(database: database, migrations: migrations, registry: registry, rolePrefix: config.rolePrefix,
                                           messages: TemplateInvitationMessages(renderer: renderer), baseURL: AppServices.baseURL(config: config))
    let tenantDB = TenantDB(database: database)
    let sandbox = SandboxEndpoint(config.sandboxPSPURL ?? "http://127.0.0.1:\(config.port)/sandbox-psp",
                                  keys: config.sandboxPSPEnabled ? SandboxKeys(key: MasterKey.derive(master, purpose: "sandbox-psp")) : nil)
    let payments = Payments(tenantDB: tenantDB, environment: config.environment, sandbox: sandbox, logger: logger,
                            expirySeconds: config.paymentExpirySeconds, failpoint: config.failpoint, vault: KeyRing(master: master).credentials)
    var services = AppServices(config: config, database: database, tenantDB: tenantDB, registry: registry, migrations: migrations,
                       provisioning: provisioning, authenticator: try await Authenticator.make(),
                       csrf: CSRFProtector(key: MasterKey.derive(master, purpose: "csrf")), keys: KeyRing(master: master), renderer: renderer,
                       jobs: JobQueue(database: database), payments: payments,
                       trading: Trading(tenantDB: tenantDB,
                                        directory: PlatformDirectory(environment: config.environment, sandboxURL: config.sandboxPlatformURL, sandboxEnabled: config.isDevelopment,
                                                                     timeoutSeconds: config.platformTimeoutSeconds, servers: config.appServers, vault: KeyRing(master: master).credentials),
                                        logger: logger, recoveryDelaySeconds: config.tradingRecoverySeconds, failpoint: config.failpoint),
                       logger: logger)
    // The sanctions index is built from the current list versions on first use and after a load.
    services.screening = Screening { NameMatchIndex(entries: try await SanctionListStore.current(database)) }
    services.apiSpecs = try APISpecs.load(directory: config.apiSpecsDirectory, renderer: renderer, templatesDirectory: config.templatesDirectory)
    return services
}

/// Runs `body` with the database pool running (CLI commands that are not the server).
public func withRunningServices<R: Sendable>(_ services: AppServices, _ body: @Sendable (AppServices) async throws -> R) async throws -> R {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await services.database.run() }
        defer { group.cancelAll() }
        return try await body(services)
    }
}

/// Background services every server process runs besides HTTP.
public func backgroundServices(_ services: AppServices) -> [any Service] {
    var delivery: any MailDelivery = MailDirectory(root: services.config.home + "/mail")
    // AppConfig has validated the settings: no silent fallback to the mail directory.
    if let smtp = services.config.smtp { delivery = SMTPDelivery(settings: smtp) }
    let registry = services.registry
    let sender = OutboxSender(
        tenantDB: services.tenantDB, delivery: delivery,
        tenantLookup: { id in try await registry.tenant(id: id)?.handle },
        fromAddress: { handle in
            let record = try? await registry.tenant(id: handle.id)
            let name = record?.name ?? handle.slug
            return "\(name) <\(record?.config?.branding.supportEmail ?? "no-reply@\(handle.slug).atrium.local")>"
        })
    let paymentJobs = PaymentJobHandler(payments: services.payments) { id in
        guard let record = try await registry.tenant(id: id), let config = record.config else { return nil }
        return (record.handle, config)
    }
    let tradingJobs = TradingJobHandler(trading: services.trading) { id in
        guard let record = try await registry.tenant(id: id), let config = record.config else { return nil }
        return (record.handle, config)
    }
    let rescreenJobs = RescreenJobHandler(screening: services.screening, tenantDB: services.tenantDB, database: services.database) { id in
        guard let record = try await registry.tenant(id: id), let config = record.config else { return nil }
        return (record.handle, config)
    }
    var list: [any Service] = [
        JobWorker(queue: services.jobs, handlers: [sender, paymentJobs, tradingJobs, rescreenJobs, services.webhookSender], pollInterval: .seconds(services.config.jobPollSeconds), wakeups: JobWakeups(database: services.database, logger: services.logger), logger: services.logger),
        RegistryWatcher(registry: services.registry),
        AuditAnchorService(tenantDB: services.tenantDB,
                           activity: TableActivity(database: services.database, tables: AuditAnchorService.watchedTables, insertsOnly: true),
                           logger: services.logger) { try await registry.all().map(\.handle) },
        CommissionSettlements.recurring(services.settlements, brands: { try await registry.activeBrands() },
                                        activity: TableActivity(database: services.database, tables: CommissionSettlements.watchedTables), logger: services.logger),
        AMLService(engine: AMLEngine(tenantDB: services.tenantDB), activity: TableActivity(database: services.database, tables: AMLService.watchedTables),
                   logger: services.logger) { try await registry.activeBrands() },
    ]
    let config = services.config
    if config.tradingSync {
        list.append(TradingSyncService(trading: services.trading, registry: services.registry, interval: .seconds(config.tradingSyncSeconds),
                                          maxInterval: .seconds(config.tradingSyncMaxSeconds), concurrency: config.tradingSyncConcurrency,
                                          activity: TableActivity(database: services.database, tables: TradingSyncService.activityTables, insertsOnly: true),
                                          logger: services.logger))
        list.append(TradingMaintenanceService(trading: services.trading, registry: services.registry,
                                              staleSeconds: max(60, config.tradingRecoverySeconds * 4),
                                              reconcileEvery: .seconds(config.tradingReconcileMinutes * 60),
                                              activity: TableActivity(database: services.database, tables: TradingMaintenanceService.watchedTables), logger: services.logger))
        // IB commissions follow the deals sync brings in.
        list.append(CommissionService(engine: CommissionEngine(tenantDB: services.tenantDB), brands: services.registry,
                                      activity: TableActivity(database: services.database, tables: CommissionService.watchedTables), logger: services.logger))
        list.append(RiskFlagService.recurring(tenantDB: services.tenantDB, brands: { try await registry.activeBrands() },
                                              activity: TableActivity(database: services.database, tables: RiskFlagService.watchedTables), logger: services.logger))
    }
    return list
}

/// Development-only HTTP faces, built by the caller (the `atrium` executable or a test) from the
/// development target and mounted only in development. Production passes none.
public struct DevelopmentSites: Sendable {
    /// The sandbox PSP, answering `/sandbox-psp` on the sandbox host only.
    public var sandboxPSP: (any HTTPResponder<AtriumRequestContext>)?

    public init(sandboxPSP: (any HTTPResponder<AtriumRequestContext>)? = nil) {
        self.sandboxPSP = sandboxPSP
    }
}

/// Builds the HTTP application: host dispatch, brand and console routers, operational endpoints,
/// and the internal metrics listener when `ATRIUM_METRICS_ADDRESS` is set.
/// Tests call this with a test configuration; `atrium serve` with the real one.
public func buildApplication(services: AppServices, development: DevelopmentSites = DevelopmentSites(),
                             onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in },
                             onMetricsRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
    AtriumMetrics.bootstrap()
    let brandRouter = Router(context: BrandRequestContext.self)
    brandRouter.add(middleware: LogRequestsMiddleware(.info))
    brandRouter.add(middleware: MetricsMiddleware())
    TraderRoutes(services: services).register(on: brandRouter)
    PartnerRoutes(services: services).register(on: brandRouter)
    PartnerApplyRoutes(services: services).register(on: brandRouter)
    PartnerApplicationRoutes(services: services).register(on: brandRouter)
    PartnerAdminRoutes(services: services).register(on: brandRouter)
    PartnerPortalRoutes(services: services).register(on: brandRouter)
    PartnerSecurityRoutes(services: services).register(on: brandRouter)
    PSPCallbackRoutes(services: services).register(on: brandRouter)
    AdminRoutes(services: services).register(on: brandRouter)
    WebhookAdminRoutes(services: services).register(on: brandRouter)
    ClientAdminRoutes(services: services).register(on: brandRouter)
    WalletRoutes(services: services).register(on: brandRouter)
    AccountRoutes(services: services).register(on: brandRouter)
    SecurityRoutes(services: services).register(on: brandRouter)
    KYCRoutes(services: services).register(on: brandRouter)
    ComplianceRoutes(services: services).register(on: brandRouter)
    FreezeRoutes(services: services).register(on: brandRouter)
    RiskAdminRoutes(services: services).register(on: brandRouter)
    TradingRoutes(services: services).register(on: brandRouter)
    TradingAdminRoutes(services: services).register(on: brandRouter)
    PaymentsAdminRoutes(services: services).register(on: brandRouter)
    PlanAdminRoutes(services: services).register(on: brandRouter)
    APIKeyAdminRoutes(services: services).register(on: brandRouter)
    AMLCaseRoutes(services: services).register(on: brandRouter)
    BrandSettingsScreens.register(on: brandRouter, services: services)
    StaffAdminRoutes(services: services).register(on: brandRouter)
    EmailTemplateRoutes(services: services).register(on: brandRouter)
    CommissionAdminRoutes(services: services).register(on: brandRouter)
    SettlementAdminRoutes(services: services).register(on: brandRouter)
    TaskAdminRoutes(services: services).register(on: brandRouter); LeadAdminRoutes(services: services).register(on: brandRouter)
    DashboardRoutes(services: services).register(on: brandRouter)
    PartnerWalletRoutes(services: services).register(on: brandRouter)
    SettingsIndexRoutes(services: services).register(on: brandRouter)
    if services.config.benchRoutes { BenchRoutes(services: services).register(on: brandRouter) }
    let consoleRouter = Router(context: ConsoleRequestContext.self)
    consoleRouter.add(middleware: LogRequestsMiddleware(.info))
    consoleRouter.add(middleware: MetricsMiddleware())
    ConsoleRoutes(services: services).register(on: consoleRouter)
    // Fail closed: whatever the caller passes, production never mounts a sandbox.
    let sandbox = services.config.sandboxPSPEnabled ? development.sandboxPSP : nil
    let dispatcher = HostDispatcher(
        services: services, brand: brandRouter.buildResponder(), console: consoleRouter.buildResponder(), sandbox: sandbox,
        operations: Operations(services: services),
        brandAPI: BrandAPIRouter.build(services: services), platformAPI: PlatformAPIRouter.build(services: services))
    var background: [any Service] = [DatabaseService(database: services.database)] + backgroundServices(services)
    if let address = services.config.metricsAddress {
        background.append(MetricsListener.application(host: address.host, port: address.port, logger: services.logger, onRunning: onMetricsRunning))
    }
    return Application(
        responder: dispatcher,
        configuration: .init(address: .hostname(services.config.host, port: services.config.port), serverName: "Atrium"),
        services: background,
        onServerRunning: { channel in
            // The sandbox PSP lives on this server: point the PSP adapters at the port actually bound.
            if sandbox != nil, services.config.sandboxPSPURL == nil, let port = channel.localAddress?.port {
                services.payments.sandbox.set("http://127.0.0.1:\(port)/sandbox-psp")
            }
            await onServerRunning(channel)
        },
        logger: services.logger)
}
