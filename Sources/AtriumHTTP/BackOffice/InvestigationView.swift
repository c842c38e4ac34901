import AtriumCompliance
import AtriumCore
import AtriumLedger
import Foundation

/// Template context of the one-screen investigation (`admin/investigate.mustache`).
enum InvestigationView {
    static func context(_ f: InvestigationFacts, t: [String: String]) -> [String: Any] {
        let w = f.withdrawal
        let amount = Currency(w.currency).map { Money(minor: w.amountMinor, currency: $0).amountText } ?? "\(w.amountMinor)"
        return [
            "found": true,
            "w": ["id": w.id, "reference": w.reference, "client": w.client, "email": w.clientEmail, "amount": amount, "currency": w.currency,
                  "psp": w.psp, "status": w.status, "requestedAt": w.requestedAt, "requestedBy": w.requestedBy,
                  "requiredApprovals": w.requiredApprovals, "decidedAt": f.decidedAt ?? "—"] as [String: Any],
            "rulesAutoApproved": w.ruleReasons.isEmpty,
            "ruleReasons": w.ruleReasons.map { ["code": $0, "label": t["risk_rule_\($0)"] ?? $0] },
            "approvals": f.approvals.map { ["staff": $0.staff, "email": $0.email, "at": $0.at] },
            "events": f.events.map { ["at": $0.at, "from": $0.from, "to": $0.to, "actor": $0.actor, "detail": $0.detail] },
            "alerts": f.amlAlerts.map { ["rule": $0.rule, "at": $0.at, "facts": $0.facts] },
            "hits": f.screeningHits.map { ["source": $0.source, "entry": $0.entry, "score": $0.score, "status": $0.statusThen, "at": $0.at] },
            "screeningThen": f.screeningThen, "screeningThenLabel": t["risk_screening_\(f.screeningThen)"] ?? f.screeningThen,
            "hasKYC": f.kycThen != nil,
            "kyc": f.kycThen.map { ["outcome": $0.outcome, "at": $0.at, "actor": $0.actor, "reasons": $0.reasons.joined(separator: ", ")] } ?? [:],
            "audit": f.audit.map { ["seq": $0.seq, "action": $0.action, "actor": $0.actor, "hash": $0.hash, "short": String($0.hash.prefix(16)),
                                 "prev": $0.prevHash, "prevShort": String($0.prevHash.prefix(16))] },
            "exportLink": "/admin/compliance/investigate/export?withdrawal=\(w.id)",
        ]
    }
}
