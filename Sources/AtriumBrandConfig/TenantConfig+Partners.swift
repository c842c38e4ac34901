extension TenantConfig {
    /// A brand's IB programme settings (`partners:` in the brand file).
    public struct PartnerProgram: Codable, Sendable, Equatable {
        /// `daily` or `monthly`: how often pending commission lines are settled. Default monthly.
        public var settlement: String?
        /// Per currency, in minor units: a settlement total up to this is approved automatically;
        /// larger ones wait for Finance. A currency not listed always waits.
        public var autoApproveMaxMinor: [String: Int64]?
        /// What an IB sees of a referred client: `initials` (default: initial, country, lots, funded)
        /// or `full` (name and email too).
        public var clientPrivacy: String?
        /// Wallet currency of a new IB. Default USD.
        public var defaultCurrency: String?
        /// The broker's spread markup per lot by symbol group, in minor units of `defaultCurrency`:
        /// the base of a plan's spread-markup revenue share. Groups not listed have no markup.
        public var spreadMarkupPerLotMinor: [String: Int64]?
        enum CodingKeys: String, CodingKey {
            case settlement
            case autoApproveMaxMinor = "auto_approve_max_minor"
            case clientPrivacy = "client_privacy"
            case defaultCurrency = "default_currency"
            case spreadMarkupPerLotMinor = "spread_markup_per_lot_minor"
        }

        public init(settlement: String? = nil, autoApproveMaxMinor: [String: Int64]? = nil, clientPrivacy: String? = nil,
                    defaultCurrency: String? = nil, spreadMarkupPerLotMinor: [String: Int64]? = nil) {
            self.settlement = settlement
            self.autoApproveMaxMinor = autoApproveMaxMinor
            self.clientPrivacy = clientPrivacy
            self.defaultCurrency = defaultCurrency
            self.spreadMarkupPerLotMinor = spreadMarkupPerLotMinor
        }

        public var resolvedSettlement: String { settlement ?? "monthly" }
        public var resolvedCurrency: String { defaultCurrency ?? "USD" }
        public var showsClientNames: Bool { clientPrivacy == "full" }
    }

    /// The IB programme with defaults when the brand file has none.
    public var partnerProgram: PartnerProgram { partners ?? PartnerProgram() }

    /// Every symbol group named by the brand's platform connections.
    public var symbolGroupNames: Set<String> {
        Set((platforms ?? []).flatMap { ($0.symbolGroups ?? [:]).keys })
    }

    /// The group of `symbol` on connection `connectionID`: the first group (by name) with an exact
    /// pattern match, else the longest matching `prefix*` pattern; nil when no group lists it.
    public func symbolGroup(of symbol: String, connectionID: String) -> String? {
        guard let groups = platforms?.first(where: { $0.id == connectionID })?.symbolGroups else { return nil }
        var best: (group: String, length: Int)?
        for (group, patterns) in groups.sorted(by: { $0.key < $1.key }) {
            for pattern in patterns {
                if pattern == symbol { return group }
                if pattern.hasSuffix("*"), symbol.hasPrefix(pattern.dropLast()), pattern.count - 1 > (best?.length ?? -1) {
                    best = (group, pattern.count - 1)
                }
            }
        }
        return best?.group
    }
}
