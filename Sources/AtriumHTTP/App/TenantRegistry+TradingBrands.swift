import AtriumBrandConfig
import AtriumStorage
import AtriumTenancy
import AtriumTrading

/// The registry is the trading services' view of the brands (`activeBrands()` is the registry's own).
extension TenantRegistry: TradingBrands {
    public func brand(slug: String) async throws -> TenantConfig? {
        try await tenant(slug: slug)?.config
    }
}
