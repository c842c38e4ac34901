extension TenantConfig.Security {
    /// The values `staff_two_factor` may take; absent means `required`.
    public static let staffTwoFactorValues = ["required", "optional"]
}

extension TenantConfig {
    /// `security.staff_two_factor` is `required` or `optional`; anything else would silently mean
    /// `required` (fail closed), so it is refused by name instead.
    func securityProblems() -> [ConfigValidationError.Problem] {
        guard let value = security?.staffTwoFactor, !Security.staffTwoFactorValues.contains(value) else { return [] }
        return [.init(path: "security.staff_two_factor", expected: "required or optional, got \"\(value)\"")]
    }

    /// Whether the brand lets staff in without a second factor, which production refuses.
    public var allowsStaffWithoutTwoFactor: Bool { security?.staffTwoFactor == "optional" }
}
