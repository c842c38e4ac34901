import AtriumBrandConfig
import Foundation

/// Brands as the tests provision them. Staff sign in with a password only
/// (`security.staff_two_factor: optional`), so suites about other features need no authenticator;
/// a test of forced enrolment asks for `required`, which is what the demo brand files and
/// production use.
extension TenantConfig {
    /// `tenants/<name>.yaml` with the staff second factor set to `staffTwoFactor`.
    static func testBrand(_ name: String, staffTwoFactor: String = "optional") throws -> TenantConfig {
        let path = TestCluster.repoRoot + "/tenants/\(name).yaml"
        return try TenantConfig.parse(yaml: String(contentsOfFile: path, encoding: .utf8), file: path).withStaffTwoFactor(staffTwoFactor)
    }

    /// The same brand with `security.staff_two_factor` set, other security settings kept.
    func withStaffTwoFactor(_ value: String) -> TenantConfig {
        var config = self
        var security = config.securitySettings
        security.staffTwoFactor = value
        config.security = security
        return config
    }
}
