import AtriumCore
import AtriumIdentity
import AtriumLedger
import AtriumPayments
import AtriumStorage
import AtriumTenancy
import Foundation
import Hummingbird

/// `POST /psp/callback/:psp`: a PSP's signed notification for this brand.
struct PSPCallbackRoutes: Sendable {
    let services: AppServices
    var payments: Payments { services.payments }

    func register(on router: Router<BrandRequestContext>) {
        router.post("/psp/callback/:psp") { req, ctx in try await callback(req, ctx) }
    }

    /// PSP callbacks: stored raw with the verification result, then processed. Answers 400 with no
    /// state change when the signature does not verify.
    func callback(_ req: Request, _ ctx: BrandRequestContext) async throws -> Response {
        guard let brand = ctx.tenant.config else { throw HTTPError(.notFound) }
        let pspID = ctx.parameters.get("psp") ?? ""
        guard payments.psp(brand, id: pspID) != nil else { return Responses.text("unknown PSP\n", status: .notFound) }
        var req = req
        let buffer: ByteBuffer
        do { buffer = try await req.collectBody(upTo: 256 * 1024) } catch { return Responses.text("body too large\n", status: .contentTooLarge) }
        var headers: [String: String] = [:]
        for field in req.headers { headers[field.name.canonicalName] = field.value }
        let receipt = try await payments.receiveCallback(tenant: ctx.tenant.handle, brand: brand, pspID: pspID, headers: headers, body: Array(buffer: buffer))
        switch receipt {
        case .rejected(let failure):
            services.logger.warning("PSP callback rejected", metadata: ["tenant": "\(ctx.tenant.handle.slug)", "psp": "\(pspID)", "reason": "\(failure)"])
            return Responses.text("signature verification failed: \(failure)\n", status: .badRequest)
        case .duplicate:
            return Responses.text("duplicate event, already received\n")
        case .accepted(let inboxID):
            if services.config.failpoint == "after-inbox" {
                services.logger.critical("failpoint after-inbox: exiting before processing", metadata: ["inbox": "\(inboxID)"])
                exit(137)
            }
            let result = try await payments.processInbox(tenant: ctx.tenant.handle, brand: brand, inboxID: inboxID)
            return Responses.text("ok: \(result)\n")
        }
    }
}
