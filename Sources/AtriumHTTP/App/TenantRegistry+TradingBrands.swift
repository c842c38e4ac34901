import AtriumBrandConfig
import AtriumStorage
import AtriumTenancy
import AtriumTrading

/// The registry is the trading services' view of the brands.
extension TenantRegistry: TradingBrands {
    public func activeBrands() async throws -> [(handle: TenantHandle, config: TenantConfig)] {
        try await all().filter(\.isActive).compactMap { record in record.config.map { (record.handle, $0) } }
    }

    public func brand(slug: String) async throws -> TenantConfig? {
        try await tenant(slug: slug)?.config
    }
}
