import AtriumCompliance
import AtriumCore
import AtriumStorage
import Foundation
import Hummingbird
import HTTPTypes

/// Screening hits on the KYC case: the explanation, and the reviewer's confirm / false positive.
extension ComplianceRoutes {
    /// View model of one hit with its explanation (entry, alias, token pairs, DOB and country effects).
    static func hitView(_ h: ScreeningHit, t: [String: String]) -> [String: Any] {
        let e = h.explanation
        return ["id": h.id.uuidString.lowercased(), "source": h.source.uppercased(), "ref": h.entryRef, "entry": h.entryName,
                "matched": h.matchedName, "alias": e?.matchedAlias ?? false, "score": percent(h.score),
                "trigger": t["screening_trigger_\(h.trigger)"] ?? h.trigger, "status": t["screening_status_\(h.status)"] ?? h.status,
                "statusCode": h.status, "open": h.status == "open", "decidedBy": h.decidedBy ?? "",
                "nameScore": e.map { percent($0.nameScore) } ?? "—",
                "dobEffect": e.map { signed($0.dateOfBirthEffect) } ?? "—", "dobNote": e?.dateOfBirthNote ?? "",
                "countryEffect": e.map { signed($0.countryEffect) } ?? "—", "countryNote": e?.countryNote ?? "",
                "pairs": (e?.pairs ?? []).map { ["subject": $0.subject, "listed": $0.listed, "similarity": percent($0.similarity), "how": $0.how] }]
    }

    static func percent(_ x: Double) -> String { String(format: "%.1f%%", x * 100) }
    static func signed(_ x: Double) -> String { String(format: "%+.1f pts", x * 100) }

    /// The client's hits and active freeze for the case page, read in the case's transaction.
    static func screeningFacts(client: UUID, in tx: TenantTransaction) async throws -> ([ScreeningHit], AccountFreeze?) {
        (try await Screening.hits(client: client, in: tx), try await AccountFreezes.active(client, in: tx))
    }

    /// The case page's screening section.
    static func screeningContext(_ facts: ([ScreeningHit], AccountFreeze?), t: [String: String]) -> [String: Any] {
        let (hits, freeze) = facts
        var out: [String: Any] = ["hits": hits.map { hitView($0, t: t) }, "hasHits": !hits.isEmpty]
        if let f = freeze {
            out["freeze"] = ["origin": t["screening_freeze_origin_\(f.origin.rawValue)"] ?? f.origin.rawValue, "reason": f.reason, "by": f.frozenBy,
                             "at": f.frozenAt.formatted(.iso8601)]
        }
        return out
    }

    /// POST /admin/kyc/:user/hits/:hit — `decision` is `confirm` or `false_positive`.
    func decideHit(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        let client = try userID(ctx)
        do {
            guard let hit = UUID(uuidString: ctx.parameters.get("hit") ?? "") else { throw ScreeningError.hitNotFound }
            let form = try await Forms.read(req, context: ctx, csrf: services.csrf, strings: t)
            guard let decision = ScreeningDecision(rawValue: form["decision"] ?? "") else {
                throw InputError(field: "decision", reason: t["error_screening_decision"] ?? "choose confirm or false positive")
            }
            let (actor, requestID) = (ctx.staff.actor, ctx.requestID)
            try await services.tenantDB.transaction(ctx.tenant.handle) { tx in
                try await Screening.decide(hit: hit, client: client, decision: decision, actor: actor, requestID: requestID, in: tx)
            }
            return Responses.seeOther("/admin/kyc/\(client.uuidString.lowercased())?hit=\(decision.rawValue)")
        } catch let error as ScreeningError where error == .hitNotFound {
            throw RequestRejected(status: 404, publicMessage: error.publicMessage)
        } catch let error as any UserFacingError {
            return try await reviewCase(req, ctx, error: t[error.publicMessage] ?? error.publicMessage, status: HTTPResponse.Status(code: error.status))
        }
    }
}
