import AtriumBrandAPI
import AtriumStorage
import Foundation
import OpenAPIRuntime
import PostgresNIO

/// KYC: a client's status and the decisions that set it (read only; the facts behind a decision stay internal).
extension BrandAPIHandler {
    func getClientKyc(_ input: AtriumBrandAPI.Operations.GetClientKyc.Input) async throws -> AtriumBrandAPI.Operations.GetClientKyc.Output {
        let principal = try APIPrincipal.require(.kycRead)
        let id = try Self.uuid(input.path.clientId, "client")
        let kyc = try await transaction(principal) { tx -> AtriumBrandAPI.Components.Schemas.Kyc? in
            guard let row = try await tx.query("""
                SELECT kyc_status, kyc_approved_at, kyc_reasons FROM users WHERE audience = 'trader' AND id = \(id)
                """).collect().first else { return nil }
            let (status, approvedAt, reasons) = try row.decode((String, Date?, [String]).self)
            let decisions = try await tx.query("""
                SELECT id, outcome, reasons, note, decided_at FROM kyc_decisions WHERE user_id = \(id) ORDER BY id
                """).collect().map { row -> AtriumBrandAPI.Components.Schemas.KycDecision in
                    let (did, outcome, reasons, note, at) = try row.decode((Int64, String, [String], String, Date).self)
                    return .init(id: String(did), outcome: try Self.value(outcome), reasons: reasons, note: note, decidedAt: at)
                }
            return .init(clientId: Self.text(id), status: try Self.value(status), approvedAt: approvedAt, reasons: reasons, decisions: decisions)
        }
        guard let kyc else { throw APIProblem.notFound("client") }
        return .ok(.init(body: .json(kyc)))
    }
}
