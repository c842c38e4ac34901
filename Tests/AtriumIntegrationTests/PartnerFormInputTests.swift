import AtriumCore
import AtriumHTTP
import AtriumPartners
import AtriumStorage
import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Testing

/// The IB lifecycle's forms refuse NUL and control characters like every other form: a 400 naming
/// the field, and nothing written (the `message` textarea alone may hold line breaks).
@Suite("IB forms refuse NUL and control characters", .timeLimit(.minutes(3)))
struct PartnerFormInputTests {
    /// Rows the IB forms of this case could write (everything it names carries `tag`).
    static func footprint(_ f: NetworkFixture, tag: String, partner: UUID) async throws -> [Int] {
        [try await f.count(f.aurora, "SELECT count(*)::int FROM partner_applications WHERE email LIKE '%\(tag)%'"),
         try await f.count(f.aurora, "SELECT count(*)::int FROM users WHERE email LIKE '%\(tag)%'"),
         try await f.count(f.aurora, "SELECT count(*)::int FROM partner_parents WHERE partner_id = '\(partner)'"),
         try await f.count(f.aurora, "SELECT count(*)::int FROM client_attributions a JOIN users u ON u.id = a.client_id WHERE u.email LIKE '%\(tag)%'")]
    }

    @Test("every IB form answers 400 naming the field for NUL, SOH and DEL")
    func everyForm() async throws {
        try await NetworkFixture.with { f, client in
            // setup
            let tag = UUID().uuidString.prefix(8).lowercased()
            let ib = try await f.makePartner(f.aurora, email: "form-ib-\(tag)@aurora.test")
            let id = ib.partnerID.uuidString.lowercased()
            let trader = FormClient(client, host: "aurora.localhost")
            try await WalletRouteTests.register(trader, email: "form-tr-\(tag)@aurora.test")
            let staff = try await NetworkFixture.staff(client, f.aurora, email: "sales@aurora.test")
            let plan = try #require(f.plans["aurora"]).uuidString.lowercased()
            let forms: [(web: FormClient, path: String, page: String, fields: [String: String], target: String, label: String)] = [
                (FormClient(client, host: "aurora.localhost"), "/partners/apply", "/partners/apply",
                 ["name": "Vi", "email": "form-v-\(tag)@aurora.test", "country": "GB", "password": "visitor-pass-123", "password_confirm": "visitor-pass-123"],
                 "name", "Full name"),
                (FormClient(client, host: "aurora.localhost"), "/partners/apply", "/partners/apply",
                 ["name": "Vi", "email": "form-v-\(tag)@aurora.test", "country": "GB", "password": "visitor-pass-123", "password_confirm": "visitor-pass-123"],
                 "message", "message"),
                (trader, "/become-partner", "/become-partner", ["website": "https://x.example", "message": "hi"], "website", "website"),
                (staff, "/admin/partners/new", "/admin/partners/new", ["name": "N", "email": "form-n-\(tag)@aurora.test", "plan_id": plan], "name", "Full name"),
                (staff, "/admin/partners/ib/\(id)/move", "/admin", ["parent": "", "effective_date": "2099-01-01"], "note", "note"),
                (staff, "/admin/partners/ib/\(id)/reassign", "/admin", ["client": "form-tr-\(tag)@aurora.test", "effective_date": "2099-01-01"], "client", "client"),
            ]
            for form in forms {
                for bad in ["Pat%00", "%01Pat", "Pat%7F"] {
                    let token = FormClient.csrfToken(in: try await form.web.get(form.page).body)
                    let before = try await Self.footprint(f, tag: tag, partner: ib.partnerID)
                    // MUT
                    var pairs = form.fields.map { ($0.key, $0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") }
                    pairs.removeAll { $0.0 == form.target }
                    pairs.append((form.target, bad))
                    pairs.append(("_csrf", token))
                    let reply = try await FormInputTests.postRaw(form.web, form.path, body: pairs.map { "\($0.0)=\($0.1)" }.joined(separator: "&"))
                    // validate
                    #expect(reply.status == .badRequest, "\(form.path) [\(form.target)] = \(bad)")
                    #expect(reply.body.contains(form.label), "\(form.path) [\(form.target)] = \(bad) names \(form.label)")
                    #expect(try await Self.footprint(f, tag: tag, partner: ib.partnerID) == before, "\(form.path) [\(form.target)] = \(bad) wrote nothing")
                }
            }
        }
    }
}
