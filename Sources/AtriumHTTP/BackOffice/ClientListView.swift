import AtriumCRM
import Foundation

/// The client list's view model: rows, the filter form's options and the paging links.
enum ClientListView {
    static func context(filter: ClientFilter, rows: [ClientRow], next: ClientCursor?, size: Int, paged: Bool,
                        agents: [(id: UUID, email: String)], seesAll: Bool, t: [String: String]) -> [String: Any] {
        var query = filter.parameters
        if size != ClientAdminRoutes.pageSize { query.append(("size", "\(size)")) }
        let base = encode(query)
        var out: [String: Any] = [
            "clients": rows.map { r -> [String: Any] in
                ["id": r.id.uuidString.lowercased(), "name": r.name, "email": r.email, "country": r.country, "kyc": r.kycStatus,
                 "kycLabel": t["clients_kyc_\(r.kycStatus)"] ?? r.kycStatus, "registered": StaffTime.minute(r.createdAt),
                 "referralCode": r.referralCode ?? "", "agent": r.agentEmail ?? "", "ib": r.ibEmail ?? "", "funded": r.funded]
            },
            "count": rows.count,
            "kycOptions": ClientFilter.kycStatuses.map { ["value": $0, "label": t["clients_kyc_\($0)"] ?? $0, "selected": $0 == filter.kycStatus] },
            "fundedOptions": [("yes", true), ("no", false)].map { ["value": $0.0, "label": t["clients_funded_\($0.0)"] ?? $0.0, "selected": filter.funded == $0.1] },
            "agentOptions": agents.map { ["value": $0.id.uuidString.lowercased(), "label": $0.email, "selected": $0.id == filter.agent] },
            "seesAll": seesAll,
            "csvLink": "/admin/clients.csv" + (base.isEmpty ? "" : "?" + base),
            "paged": paged,
            "firstLink": "/admin/clients" + (base.isEmpty ? "" : "?" + base),
        ]
        if let next { out["nextLink"] = "/admin/clients?" + encode(query + [("after", next.token)]) }
        return out
    }

    /// `a=1&b=x%20y`, every value percent-encoded.
    static func encode(_ pairs: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return pairs.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
    }
}
