// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Atrium",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "atrium", targets: ["atrium"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/yaslab/CSV.swift.git", from: "2.5.2"),
        .package(url: "https://github.com/CoreOffice/XMLCoder.git", from: "0.18.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        // The public APIs are spec-first: openapi.yaml → generated types and server stubs at build time.
        .package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
    ],
    targets: [
        .systemLibrary(name: "CArgon2", pkgConfig: "libargon2", providers: [.apt(["libargon2-dev"])]),
        // glibc's <malloc.h> (mallopt, mallinfo2), which the Glibc module does not include.
        .systemLibrary(name: "CMalloc"),
        .target(
            name: "AtriumCore",
            dependencies: [
                "CMalloc",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "AtriumBrandConfig",
            dependencies: [
                "AtriumCore",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "AtriumStorage",
            dependencies: [
                "AtriumCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "AtriumIdentity",
            dependencies: [
                "AtriumCore", "AtriumStorage", "CArgon2",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(name: "AtriumQR", swiftSettings: strict),
        .target(
            name: "AtriumWork",
            dependencies: [
                "AtriumCore", "AtriumStorage",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "AtriumLedger",
            dependencies: [
                "AtriumCore", "AtriumStorage",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "AtriumKYC",
            dependencies: [
                "AtriumCore", "AtriumBrandConfig", "AtriumStorage",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "AtriumMT5",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "AtriumSandbox",
            dependencies: [
                "AtriumMT5",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "AtriumCompliance",
            dependencies: [
                "AtriumCore", "AtriumBrandConfig", "AtriumStorage", "AtriumWork",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CSV", package: "CSV.swift"),
                .product(name: "XMLCoder", package: "XMLCoder"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "AtriumCRM",
            dependencies: [
                "AtriumCore", "AtriumStorage", "AtriumIdentity",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "AtriumReports",
            dependencies: [
                "AtriumCore", "AtriumStorage", "AtriumLedger",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "AtriumPartners",
            dependencies: [
                "AtriumCore", "AtriumBrandConfig", "AtriumStorage", "AtriumLedger", "AtriumIdentity", "AtriumWork", "AtriumTrading",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "AtriumOutbound",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // Outbound webhooks: signing, the SSRF guard, endpoints and the delivery job (the events
        // themselves are written by AtriumStorage's `WebhookEvents`, which every domain module sees).
        .target(
            name: "AtriumWebhooks",
            dependencies: [
                "AtriumCore", "AtriumStorage", "AtriumWork",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "AtriumTrading",
            dependencies: [
                "AtriumCore", "AtriumBrandConfig", "AtriumStorage", "AtriumLedger", "AtriumWork", "AtriumMT5", "AtriumOutbound", "AtriumCompliance",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "AtriumPayments",
            dependencies: [
                "AtriumCore", "AtriumBrandConfig", "AtriumStorage", "AtriumLedger", "AtriumWork", "AtriumOutbound", "AtriumCompliance",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "AtriumTenancy",
            dependencies: [
                "AtriumCore", "AtriumBrandConfig", "AtriumStorage", "AtriumIdentity", "AtriumWork",
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The brand API (`/api/v1`): Sources/AtriumBrandAPI/openapi.yaml is the source of truth; the
        // generator plugin turns it into `Components`, `Operations` and `APIProtocol` at build time.
        .target(
            name: "AtriumBrandAPI",
            dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")],
            // Generated code: its unused `public import`s in empty files would warn on every build.
            swiftSettings: strict + [.unsafeFlags(["-suppress-warnings"])],
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        // The operators' provisioning API (`/api/platform/v1`), generated the same way.
        .target(
            name: "AtriumPlatformAPI",
            dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")],
            // Generated code: its unused `public import`s in empty files would warn on every build.
            swiftSettings: strict + [.unsafeFlags(["-suppress-warnings"])],
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        .target(
            name: "AtriumHTTP",
            dependencies: [
                "AtriumCore", "AtriumBrandConfig", "AtriumStorage", "AtriumIdentity", "AtriumTenancy", "AtriumWork", "AtriumLedger", "AtriumPayments", "AtriumKYC", "AtriumTrading",
                "AtriumQR", "AtriumPartners", "AtriumCRM", "AtriumReports", "AtriumCompliance", "AtriumBrandAPI", "AtriumPlatformAPI", "AtriumWebhooks",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // multipart-kit reads the KYC upload form (Web/MultipartFormData.swift), behind our size limits.
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // Development only: the sandbox PSP and the sandbox platform's HTTP face. AtriumHTTP does
        // not depend on it; the executable mounts it only when ATRIUM_ENV=development.
        .target(
            name: "AtriumSandboxWeb",
            dependencies: [
                "AtriumCore", "AtriumBrandConfig", "AtriumHTTP", "AtriumLedger", "AtriumPayments", "AtriumSandbox",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "atrium",
            dependencies: [
                "AtriumCore", "AtriumBrandConfig", "AtriumStorage", "AtriumTenancy", "AtriumHTTP", "AtriumLedger", "AtriumPayments", "AtriumTrading", "AtriumSandbox", "AtriumSandboxWeb", "AtriumPartners", "AtriumCRM", "AtriumReports", "AtriumCompliance",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AtriumUnitTests",
            dependencies: [
                "AtriumCore", "AtriumBrandConfig", "AtriumIdentity", "AtriumTenancy", "AtriumStorage", "AtriumLedger", "AtriumPayments", "AtriumKYC", "AtriumTrading", "AtriumSandbox", "AtriumMT5", "AtriumOutbound",
                "AtriumWork", "AtriumHTTP", "AtriumWebhooks",
                "AtriumQR", "AtriumPartners", "AtriumCRM", "AtriumReports", "AtriumCompliance",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AtriumIntegrationTests",
            dependencies: [
                "AtriumCore", "AtriumBrandConfig", "AtriumStorage", "AtriumIdentity", "AtriumTenancy", "AtriumWork", "AtriumHTTP", "AtriumLedger", "AtriumPayments", "AtriumKYC", "AtriumTrading", "AtriumSandbox", "AtriumSandboxWeb", "AtriumPartners", "AtriumCRM", "AtriumReports", "AtriumCompliance", "AtriumBrandAPI", "AtriumWebhooks",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
    ]
)
