import AtriumCore
import AtriumCRM
import AtriumIdentity
import AtriumLedger
import Foundation

/// The client page's view model. Sections and actions follow the staff member's permissions:
/// money (wallets, ledger, payments, trading balances) needs `finance.view`, the edit and note
/// forms `clients.edit`, the KYC case link `kyc.review`, the trading page `trading.manage`.
enum ClientPageView {

    static func amount(_ minor: Int64, _ code: String) -> String {
        guard let currency = Currency(code) else { return "\(minor) \(code)" }
        return Money(minor: minor, currency: currency).amountText
    }

    static func context(_ p: ClientProfile, notes: [ClientNotes.Note], events: [ClientTimeline.Event], permissions: Set<Permission>,
                        t: [String: String]) -> [String: Any] {
        let person = p.person, id = person.id.uuidString.lowercased()
        let finance = permissions.contains(.financeView)
        let current = p.attributions.first { $0.effectiveFrom <= Date() }
        return [
            "client": ["id": id, "name": person.name, "email": person.email, "country": person.country,
                       "countryName": Countries.all[person.country] ?? person.country, "phone": person.phone, "status": person.status,
                       "kyc": person.kycStatus, "kycLabel": t["clients_kyc_\(person.kycStatus)"] ?? person.kycStatus,
                       "hasKYCReasons": !person.kycReasons.isEmpty, "kycReasons": person.kycReasons.map { t["kyc_reason_\($0)"] ?? $0 }, "kycNote": person.kycNote,
                       "referralCode": person.referralCode ?? "", "locale": person.preferredLocale ?? "",
                       "verified": person.emailVerifiedAt.map(StaffTime.minute) ?? "", "registered": StaffTime.minute(person.createdAt),
                       "agent": person.agentEmail ?? "", "lead": p.leadStage] as [String: Any],
            "canEdit": permissions.contains(.clientsEdit), "canSeeMoney": finance,
            "countries": Countries.all.sorted { $0.key < $1.key }.map { ["code": $0.key, "name": $0.value, "selected": $0.key == person.country] },
            "kycHistory": p.kyc.map { d -> [String: Any] in
                ["at": StaffTime.minute(d.at), "actor": d.actor, "outcome": d.outcome, "outcomeLabel": t["clients_outcome_\(d.outcome)"] ?? d.outcome,
                 "reasons": d.reasons.map { t["kyc_reason_\($0)"] ?? $0 }.joined(separator: ", "), "note": d.note]
            },
            "wallets": finance ? p.wallets.map { w -> [String: Any] in
                ["currency": w.currency, "balance": amount(w.balance, w.currency), "held": amount(w.held, w.currency),
                 "entries": w.entries.map { e -> [String: Any] in
                     ["at": StaffTime.minute(e.at), "code": e.code, "kind": e.kind, "reference": e.reference,
                      "amount": (e.incoming ? "+" : "−") + amount(e.amount, w.currency)]
                 }]
            } : [],
            "payments": finance ? p.payments.map { pay -> [String: Any] in
                ["id": pay.id.uuidString.lowercased(), "kind": t["clients_payment_\(pay.kind)"] ?? pay.kind, "status": pay.status,
                 "amount": amount(pay.amount, pay.currency), "currency": pay.currency, "reference": pay.reference, "at": StaffTime.minute(pay.createdAt)]
            } : [],
            "tradingAccounts": p.tradingAccounts.map { a -> [String: Any] in
                ["id": a.id.uuidString.lowercased(), "login": a.login, "connection": a.connectionID, "kind": a.kind, "type": a.accountType,
                 "currency": a.currency, "leverage": a.leverage, "access": a.access,
                 "balance": finance ? (a.lastBalance.map { amount($0, a.currency) } ?? "—") : ""]
            },
            "attributions": p.attributions.map { a -> [String: Any] in
                ["partner": a.partnerID.uuidString.lowercased(), "email": a.partnerEmail, "name": a.partnerName, "from": StaffTime.minute(a.effectiveFrom),
                 "reason": t["clients_attribution_\(a.reason)"] ?? a.reason, "note": a.note]
            },
            "hasIB": current != nil, "ibEmail": current?.partnerEmail ?? "", "ibName": current?.partnerName ?? "",
            "tasks": p.tasks.map { task -> [String: Any] in
                ["id": task.id.uuidString.lowercased(), "title": task.title, "due": StaffTime.minute(task.dueAt), "status": task.status,
                 "statusLabel": t["clients_task_\(task.status)"] ?? task.status, "assignee": task.assigneeEmail, "overdue": task.overdue]
            },
            "newTaskLink": "/admin/tasks/new?client=\(id)",
            "notes": notes.map { ["id": $0.id.uuidString.lowercased(), "author": $0.authorEmail, "body": $0.body, "at": StaffTime.minute($0.createdAt)] },
            "timeline": events.map { e -> [String: Any] in
                ["source": e.source, "at": StaffTime.minute(e.at), "actor": e.actor, "action": e.action, "detail": e.detail]
            },
            "noteMax": ClientNotes.maxLength,
        ]
    }
}
