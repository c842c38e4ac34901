import AtriumCompliance
import AtriumCore
import Foundation

/// Template rows for trading risk flags (the risk queue and the client page section).
enum RiskFlagView {
    static func row(_ flag: RiskFlag, email: String, t: [String: String], csrf: Bool) -> [String: Any] {
        ["id": flag.id.uuidString.lowercased(), "client": flag.client.uuidString.lowercased(), "email": email,
         "kind": flag.kind.rawValue, "kindLabel": t["risk_kind_\(flag.kind.rawValue)"] ?? flag.kind.rawValue,
         "summary": summary(flag), "open": flag.status == "open", "status": t["risk_status_\(flag.status)"] ?? flag.status,
         "reviewedBy": flag.reviewedBy ?? "", "at": StaffTime.minute(flag.createdAt)]
    }

    /// The facts in one line, from the stored facts (the raw JSON when they do not decode).
    static func summary(_ flag: RiskFlag) -> String {
        switch flag.kind {
        case .latencyArbitrage:
            guard let f = try? CanonicalJSON.decode(LatencyFacts.self, from: flag.facts) else { return flag.facts }
            return "\(f.shortPositions)/\(f.closedPositions) < \(f.shortHoldSeconds) s (\(f.shortShareBasisPoints / 100) %, \(f.windowDays) d)"
        case .relatedHedging:
            guard let f = try? CanonicalJSON.decode(HedgingFacts.self, from: flag.facts) else { return flag.facts }
            return "\(f.symbol) \(f.side) #\(f.position) ⇄ \(f.otherSide) #\(f.otherPosition) (\(f.otherClient.prefix(8))…) · \(f.shared.joined(separator: ", "))"
        case .abnormalSize:
            guard let f = try? CanonicalJSON.decode(SizeFacts.self, from: flag.facts) else { return flag.facts }
            return "\(f.symbol) #\(f.deal): \(lots(f.volumeExt)) > \(f.multiple) × \(lots(f.medianVolumeExt)) (\(f.historyDeals))"
        }
    }

    /// A volume in 1/100,000,000 lot as lots with up to 8 decimals, without floating point.
    static func lots(_ ext: Int64) -> String {
        let whole = ext / 100_000_000, frac = ext % 100_000_000
        guard frac != 0 else { return "\(whole) lot" }
        var digits = String(frac)
        digits = String(repeating: "0", count: 8 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits) lot"
    }
}
