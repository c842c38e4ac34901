extension TenantConfig {
    /// A brand's staff security settings (`security:` in the brand file).
    public struct Security: Codable, Sendable, Equatable {
        /// `required` (default): every staff member enrols TOTP at the first sign-in. `optional` is a
        /// development convenience that production refuses.
        public var staffTwoFactor: String?
        /// When true, a change to PSP credentials or withdrawal limits in the Back Office waits for a
        /// second staff member with `brand.manage` to approve it. Default false.
        public var fourEyes: Bool?
        enum CodingKeys: String, CodingKey {
            case staffTwoFactor = "staff_two_factor"
            case fourEyes = "four_eyes"
        }

        public init(staffTwoFactor: String? = nil, fourEyes: Bool? = nil) {
            self.staffTwoFactor = staffTwoFactor
            self.fourEyes = fourEyes
        }

        /// Whether staff must have TOTP before they reach any Back Office page.
        public var requiresStaffTwoFactor: Bool { staffTwoFactor != "optional" }
        /// Whether sensitive settings changes need a second approver.
        public var requiresFourEyes: Bool { fourEyes ?? false }
    }

    /// The security settings with defaults when the brand file has none.
    public var securitySettings: Security { security ?? Security() }
}
