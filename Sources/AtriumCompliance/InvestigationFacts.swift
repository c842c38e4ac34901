import Foundation

/// Everything the one-screen investigation of a withdrawal shows, and `facts.json` of its case file.
public struct InvestigationFacts: Codable, Sendable, Equatable {
    /// The withdrawal itself, with the outcome of the brand's withdrawal rules stored with it.
    public struct Withdrawal: Codable, Sendable, Equatable {
        public var id: String
        public var reference: String
        public var client: String
        public var clientEmail: String
        public var amountMinor: Int64
        public var currency: String
        public var psp: String
        public var status: String
        public var requestedAt: String
        public var requestedBy: String
        /// The withdrawal rules' review reasons; empty when the rules approved it.
        public var ruleReasons: [String]
        public var requiredApprovals: Int

        public init(id: String, reference: String, client: String, clientEmail: String, amountMinor: Int64, currency: String, psp: String, status: String,
                    requestedAt: String, requestedBy: String, ruleReasons: [String], requiredApprovals: Int) {
            self.id = id; self.reference = reference; self.client = client; self.clientEmail = clientEmail; self.amountMinor = amountMinor
            self.currency = currency; self.psp = psp; self.status = status; self.requestedAt = requestedAt; self.requestedBy = requestedBy
            self.ruleReasons = ruleReasons; self.requiredApprovals = requiredApprovals
        }

        enum CodingKeys: String, CodingKey {
            case id, reference, client, currency, psp, status
            case clientEmail = "client_email", amountMinor = "amount_minor", requestedAt = "requested_at", requestedBy = "requested_by"
            case ruleReasons = "rule_reasons", requiredApprovals = "required_approvals"
        }
    }

    /// One Finance approval (`payment_approvals`).
    public struct Approval: Codable, Sendable, Equatable {
        public var staff: String
        public var email: String
        public var at: String
    }

    /// One status change (`payment_events`).
    public struct Event: Codable, Sendable, Equatable {
        public var at: String
        public var from: String
        public var to: String
        public var actor: String
        public var detail: String
    }

    /// An AML alert on the client raised up to the decision.
    public struct Alert: Codable, Sendable, Equatable {
        public var rule: String
        public var at: String
        public var facts: String
    }

    /// A screening hit on the client as it stood at the decision time.
    public struct Hit: Codable, Sendable, Equatable {
        public var source: String
        public var entry: String
        public var score: String
        /// The hit's status at the decision: decided after it means it was still open then.
        public var statusThen: String
        public var at: String

        enum CodingKeys: String, CodingKey { case source, entry, score, at, statusThen = "status_then" }
    }

    /// The client's last KYC decision at or before the decision time.
    public struct KYCThen: Codable, Sendable, Equatable {
        public var outcome: String
        public var at: String
        public var actor: String
        public var reasons: [String]
    }

    public var brand: String
    public var withdrawal: Withdrawal
    /// When the withdrawal was approved (the last approval, or the rules' approval at request); nil while undecided.
    public var decidedAt: String?
    public var approvals: [Approval]
    public var events: [Event]
    public var amlAlerts: [Alert]
    public var screeningHits: [Hit]
    /// `clear`, `open_hit` or `confirmed_hit`, from the hits as they stood at the decision time.
    public var screeningThen: String
    public var kycThen: KYCThen?
    public var audit: [CitedAuditEntry]

    public init(brand: String, withdrawal: Withdrawal, decidedAt: String?, approvals: [Approval], events: [Event], amlAlerts: [Alert],
                screeningHits: [Hit], screeningThen: String, kycThen: KYCThen?, audit: [CitedAuditEntry]) {
        self.brand = brand; self.withdrawal = withdrawal; self.decidedAt = decidedAt; self.approvals = approvals; self.events = events
        self.amlAlerts = amlAlerts; self.screeningHits = screeningHits; self.screeningThen = screeningThen; self.kycThen = kycThen; self.audit = audit
    }

    enum CodingKeys: String, CodingKey {
        case brand, withdrawal, approvals, events, audit
        case decidedAt = "decided_at", amlAlerts = "aml_alerts", screeningHits = "screening_hits", screeningThen = "screening_then", kycThen = "kyc_then"
    }
}
