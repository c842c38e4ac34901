import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumKYC
import AtriumStorage
import AtriumTenancy
import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Testing

/// KYC decisions: Aurora (GB) auto-approves a clean application, Meridian (AE) routes every
/// application to the Compliance queue. The brands and their compliance officers are set up once
/// for these cases; each case applies with its own traders and its own document bytes (a file
/// seen before in the brand would raise the duplicate flag).
extension KYCTests {
    struct DecisionFixture: Sendable {
        let s: AppServices
        let aurora: TenantHandle
        let meridian: TenantHandle
    }

    static let decisionFixture = Task<DecisionFixture, any Error> {
        let s = try await TestEnv.started("kycflow")
        try await TestEnv.applyBrands(["aurora", "meridian"], to: s)
        try await DemoSeed.upsertStaff(slug: "meridian", email: "compliance@meridian.test", role: .compliance, password: "compliance-pass-1", services: s)
        try await DemoSeed.upsertStaff(slug: "aurora", email: "compliance@aurora.test", role: .compliance, password: "compliance-pass-1", services: s)
        guard let aurora = try await s.registry.tenant(slug: "aurora"), let meridian = try await s.registry.tenant(slug: "meridian") else {
            throw ProvisioningError.notFound("aurora or meridian")
        }
        return DecisionFixture(s: s, aurora: aurora.handle, meridian: meridian.handle)
    }

    static let profile = ["name": "Zoë Traders", "date_of_birth": "1990-05-17", "address_line": "1 High St", "city": "London", "postal_code": "E1 6AN"]

    /// Runs `body` with the shared fixture and a router of its services.
    static func withDecisions(_ body: @Sendable (DecisionFixture, any TestClientProtocol) async throws -> Void) async throws {
        let f = try await decisionFixture.value
        try await buildApplication(services: f.s).test(.router) { client in try await body(f, client) }
    }

    /// Fills the profile, uploads a passport (PNG made from `salt`) and a bill (`pages` pages),
    /// and submits; returns the submission page.
    static func apply(_ client: any TestClientProtocol, _ web: FormClient, salt: UInt8, pages: Int, declaredName: String = "Zoë Traders",
                      issuedDaysAgo: Int = 5) async throws -> String {
        _ = try await web.post("/profile", profile, csrfFrom: "/profile")
        _ = try await upload(client, web, kind: "identity", name: "passport.png", bytes: Fixtures.png(salt: salt), declaredName: declaredName, declaredDOB: "1990-05-17")
        _ = try await upload(client, web, kind: "proof_of_address", name: "bill.pdf", bytes: Fixtures.pdf(pages: pages), issued: today(minusDays: issuedDaysAgo))
        return try await web.post("/kyc/submit", [:], csrfFrom: "/kyc").body
    }

    /// An Aurora trader whose clean application was approved at submission.
    static func approvedAuroraTrader(_ client: any TestClientProtocol, email: String, salt: UInt8, pages: Int) async throws -> FormClient {
        let web = FormClient(client, host: "aurora.localhost")
        try await WalletRouteTests.register(web, email: email)
        let submitted = try await apply(client, web, salt: salt, pages: pages, declaredName: "ZOE TRADERS", issuedDaysAgo: 10)
        try #require(submitted.contains(#"data-status="approved""#))
        return web
    }

    /// A Meridian (AE) trader, registered and signed in.
    static func meridianTrader(_ client: any TestClientProtocol, email: String) async throws -> (web: FormClient, status: HTTPResponse.Status) {
        let web = FormClient(client, host: "meridian.localhost")
        let reg = try await web.post("/register", ["name": "Zoë Traders", "email": email, "password": "long-enough-pass", "country": "AE", "accept_terms": "yes"])
        return (web, reg.status)
    }

    /// A Meridian trader whose application waits in the queue: its case page and passport document.
    static func queuedMeridianCase(_ f: DecisionFixture, _ client: any TestClientProtocol, email: String, salt: UInt8, pages: Int)
        async throws -> (trader: FormClient, caseURL: String, documentURL: String, documentID: UUID) {
        let (web, status) = try await meridianTrader(client, email: email)
        try #require(status == .seeOther)
        try #require(try await apply(client, web, salt: salt, pages: pages).contains(#"data-status="submitted""#))
        let userID = try await f.s.tenantDB.transaction(f.meridian) { tx in try #require(try await Users.find(audience: .trader, email: email, in: tx)) }
        let docID = try await f.s.tenantDB.transaction(f.meridian) { tx in
            try #require(try await tx.query("SELECT id FROM kyc_documents WHERE kind = 'identity' AND user_id = \(userID)").collect().first?.decode(UUID.self))
        }
        let caseURL = "/admin/kyc/\(userID.uuidString.lowercased())"
        return (web, caseURL, "\(caseURL)/documents/\(docID.uuidString.lowercased())", docID)
    }

    /// A compliance officer of the brand at `host`, signed in to the Back Office.
    static func complianceOfficer(_ client: any TestClientProtocol, host: String, email: String) async throws -> FormClient {
        let staff = FormClient(client, host: host)
        _ = try await staff.get("/admin?lang=en")
        _ = try await staff.post("/admin/login", ["email": email, "password": "compliance-pass-1"], csrfFrom: "/admin")
        return staff
    }

    @Test("Aurora (GB) approves a clean application at submission, and the home page shows it")
    func autoApproval() async throws {
        try await Self.withDecisions { _, client in
            let a = FormClient(client, host: "aurora.localhost")
            try await WalletRouteTests.register(a, email: "auto@aurora.test")
            _ = try await a.post("/profile", Self.profile, csrfFrom: "/profile")
            #expect(try await a.get("/kyc").body.contains(#"data-kind="proof_of_address" data-done="no""#))
            let submitted = try await Self.apply(client, a, salt: 1, pages: 2, declaredName: "ZOE TRADERS", issuedDaysAgo: 10)
            #expect(submitted.contains(#"data-status="approved""#))
            #expect(try await a.get("/").body.contains(#"id="home-kyc-status" class="badge kyc-approved" data-status="approved""#))
        }
    }

    @Test("Meridian (AE) sends a clean application to the queue; a file held in another brand is not a duplicate there")
    func manualReviewByPolicy() async throws {
        try await Self.withDecisions { f, client in
            let holder = FormClient(client, host: "aurora.localhost")
            try await WalletRouteTests.register(holder, email: "holder@aurora.test")
            _ = try await Self.apply(client, holder, salt: 2, pages: 3)
            let (m, status) = try await Self.meridianTrader(client, email: "rev@meridian.test")
            #expect(status == .seeOther)
            #expect(try await Self.apply(client, m, salt: 2, pages: 3).contains(#"data-status="submitted""#))
            #expect(try await Self.count(f.s, f.meridian, "SELECT count(*)::int FROM users WHERE email = 'rev@meridian.test' AND kyc_status = 'submitted'") == 1)
            #expect(try await Self.count(f.s, f.meridian, "SELECT count(*)::int FROM users WHERE 'duplicate_document' = ANY(kyc_reasons) AND email = 'rev@meridian.test'") == 0)
        }
    }

    @Test("Compliance sees a queued client with the reason, opens the case and the document; the viewing is audited once")
    func complianceViewsCase() async throws {
        try await Self.withDecisions { f, client in
            let queued = try await Self.queuedMeridianCase(f, client, email: "view@meridian.test", salt: 3, pages: 4)
            let staff = try await Self.complianceOfficer(client, host: "meridian.localhost", email: "compliance@meridian.test")
            let queue = try await staff.get("/admin/kyc")
            #expect(queue.body.contains("view@meridian.test"))
            #expect(queue.body.contains("Jurisdiction requires a manual review"))
            #expect(try await staff.get(queued.caseURL).status == .ok)
            let file = try await staff.get(queued.documentURL)
            #expect(file.status == .ok)
            #expect(file.headers[.contentType] == "image/png")
            #expect(Array(file.body.utf8).starts(with: [0xEF, 0xBF, 0xBD, 0x50, 0x4E, 0x47]) || file.body.contains("PNG"))
            let subject = "document:\(queued.documentID.uuidString.lowercased())"
            #expect(try await Self.count(f.s, f.meridian, "SELECT count(*)::int FROM audit_log WHERE action = 'kyc.document_viewed' AND subject = '\(subject)'") == 1)
        }
    }

    @Test("a rejection needs a reason; an approval records the facts, reaches the trader, and cannot be decided again")
    func complianceDecides() async throws {
        try await Self.withDecisions { f, client in
            let queued = try await Self.queuedMeridianCase(f, client, email: "decide@meridian.test", salt: 4, pages: 5)
            let staff = try await Self.complianceOfficer(client, host: "meridian.localhost", email: "compliance@meridian.test")
            let noReason = try await staff.post("\(queued.caseURL)/decide", ["outcome": "rejected", "note": ""], csrfFrom: queued.caseURL)
            #expect(noReason.status == .badRequest)
            #expect(try await queued.trader.get("/kyc").body.contains(#"data-status="submitted""#))
            let approved = try await staff.post("\(queued.caseURL)/decide", ["outcome": "approved", "note": "documents match"], csrfFrom: queued.caseURL)
            #expect(approved.headers[.location] == "/admin/kyc?done=approved")
            #expect(try await queued.trader.get("/kyc").body.contains(#"data-status="approved""#))
            let userID = try #require(UUID(uuidString: String(queued.caseURL.dropFirst("/admin/kyc/".count))))
            let facts = try await f.s.tenantDB.transaction(f.meridian) { tx in
                try #require(try await tx.query("SELECT facts::text FROM kyc_decisions WHERE actor LIKE 'staff:%' AND user_id = \(userID)").collect().first?.decode(String.self))
            }
            #expect(facts.contains("manual_review_policy") && facts.contains("identity:"))
            #expect(try await staff.post("\(queued.caseURL)/decide", ["outcome": "approved"], csrfFrom: "/admin").status == .conflict)
        }
    }

    @Test("another brand's Compliance cannot open a client or a document, even by id; a trader cannot reach the queue")
    func complianceStaysInBrand() async throws {
        try await Self.withDecisions { f, client in
            let queued = try await Self.queuedMeridianCase(f, client, email: "private@meridian.test", salt: 5, pages: 6)
            let other = try await Self.complianceOfficer(client, host: "aurora.localhost", email: "compliance@aurora.test")
            #expect(try await other.get("/admin/kyc").status == .ok)
            #expect(try await other.get(queued.caseURL).status == .notFound)
            #expect(try await other.get(queued.documentURL).status == .notFound)
            let trader = FormClient(client, host: "aurora.localhost")
            try await WalletRouteTests.register(trader, email: "nosy@aurora.test")
            #expect(try await trader.get("/admin/kyc").status == .seeOther)
            #expect(try await queued.trader.get("/admin/kyc").status == .seeOther)
        }
    }

    @Test("changing the birth date after approval sends the client back to review, audited as a profile update")
    func backToReview() async throws {
        try await Self.withDecisions { f, client in
            let a = try await Self.approvedAuroraTrader(client, email: "changed@aurora.test", salt: 6, pages: 7)
            var changed = Self.profile
            changed["date_of_birth"] = "1990-05-18"
            let back = try await a.post("/profile", changed, csrfFrom: "/profile")
            #expect(back.headers[.location] == "/kyc?changed=1")
            #expect(try await a.get("/kyc").body.contains(#"data-status="submitted""#))
            let userID = try await f.s.tenantDB.transaction(f.aurora) { tx in try #require(try await Users.find(audience: .trader, email: "changed@aurora.test", in: tx)) }
            let actor = "trader:\(userID.uuidString.lowercased())"
            #expect(try await Self.count(f.s, f.aurora, "SELECT count(*)::int FROM audit_log WHERE action = 'trader.profile_updated' AND subject = '\(actor)'") == 2)
        }
    }

    @Test("the same file from a second client of the brand raises the duplicate flag on the second client only")
    func duplicateDocument() async throws {
        try await Self.withDecisions { f, client in
            _ = try await Self.approvedAuroraTrader(client, email: "first@aurora.test", salt: 7, pages: 8)
            let b = FormClient(client, host: "aurora.localhost")
            try await WalletRouteTests.register(b, email: "copy@aurora.test")
            #expect(try await Self.apply(client, b, salt: 7, pages: 9).contains(#"data-status="submitted""#))
            #expect(try await Self.count(f.s, f.aurora, "SELECT count(*)::int FROM users WHERE 'duplicate_document' = ANY(kyc_reasons) AND email IN ('first@aurora.test', 'copy@aurora.test')") == 1)
            #expect(try await Self.count(f.s, f.aurora, "SELECT count(*)::int FROM users WHERE 'duplicate_document' = ANY(kyc_reasons) AND email = 'copy@aurora.test'") == 1)
        }
    }
}
