import Foundation

extension TenantConfig {
    /// The brand's public API settings (`api:` in the brand file); defaults apply when absent.
    public struct APISettings: Codable, Sendable, Equatable {
        /// Requests each API key may make per fixed 60-second window. Default 600.
        public var rateLimitPerMinute: Int?
        enum CodingKeys: String, CodingKey { case rateLimitPerMinute = "rate_limit_per_minute" }

        public init(rateLimitPerMinute: Int? = nil) { self.rateLimitPerMinute = rateLimitPerMinute }

        /// The default per-key limit: ten requests a second on average, enough for a sync script.
        public static let defaultRateLimitPerMinute = 600
        /// The accepted range of `rate_limit_per_minute`.
        public static let rateLimitRange = 1...100_000

        /// The limit in force.
        public var resolvedRateLimitPerMinute: Int { rateLimitPerMinute ?? Self.defaultRateLimitPerMinute }
    }

    /// The API settings with defaults when the brand file has none.
    public var apiSettings: APISettings { api ?? APISettings() }

    /// `api.rate_limit_per_minute` must be 1 to 100000: zero would lock every key out, and a
    /// huge value is a typo rather than a limit.
    func apiProblems() -> [ConfigValidationError.Problem] {
        guard let limit = api?.rateLimitPerMinute, !APISettings.rateLimitRange.contains(limit) else { return [] }
        return [.init(path: "api.rate_limit_per_minute", expected: "a whole number of requests per minute from 1 to 100000, got \(limit)")]
    }
}
