import AtriumBrandConfig

extension ProductionChecks {
    /// `security.staff_two_factor: optional` lets staff into the Back Office with a password only:
    /// a development convenience that `serve` and `tenant apply` refuse in production, naming the brand.
    static func staffTwoFactor(_ brand: TenantConfig, file: String) -> [String] {
        guard brand.allowsStaffWithoutTwoFactor else { return [] }
        return ["\(file): security.staff_two_factor: optional (brand \(brand.slug.value)) lets staff sign in without a second factor; production needs required"]
    }
}
