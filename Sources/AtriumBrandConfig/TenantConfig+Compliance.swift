extension TenantConfig {
    /// A brand's compliance settings (`compliance:` in the brand file).
    public struct Compliance: Codable, Sendable, Equatable {
        /// Sanctions screening: a hit at or above this score (0–1) goes to review. Default 0.88.
        public var screeningThreshold: Double?
        /// Per AML rule id: on or off, and its parameters (amounts in minor units, counts, hours,
        /// days). A rule not listed runs with its documented defaults.
        public var amlRules: [String: AMLRule]?
        enum CodingKeys: String, CodingKey {
            case screeningThreshold = "screening_threshold"
            case amlRules = "aml_rules"
        }

        public init(screeningThreshold: Double? = nil, amlRules: [String: AMLRule]? = nil) {
            self.screeningThreshold = screeningThreshold
            self.amlRules = amlRules
        }

        /// The threshold with its default.
        public var resolvedScreeningThreshold: Double { screeningThreshold ?? 0.88 }
    }

    /// One AML rule's brand settings.
    public struct AMLRule: Codable, Sendable, Equatable {
        public var enabled: Bool?
        public var params: [String: Int64]?

        public init(enabled: Bool? = nil, params: [String: Int64]? = nil) {
            self.enabled = enabled
            self.params = params
        }
    }

    /// The compliance settings with defaults when the brand file has none.
    public var complianceSettings: Compliance { compliance ?? Compliance() }
}
