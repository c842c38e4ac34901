import AtriumCompliance
import AtriumCore
import AtriumHTTP
import AtriumIdentity
import AtriumLedger
import AtriumPayments
import AtriumStorage
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing

/// The one-screen investigation of a withdrawal approved by Finance, its case file export checked
/// by `atrium audit verify-export` (intact and tampered), the risk queue, and who may see them.
@Suite("Withdrawal investigation and case file", .timeLimit(.minutes(4)))
struct InvestigationTests {
    struct Approved {
        let client: UUID
        let withdrawal: PaymentRecord
        let financeEmail: String
        let proving: [Int64]
    }

    /// A client with an approved KYC decision, 500 USD in the wallet, a 200 USD withdrawal sent to
    /// review by the rules and approved by Finance, then a later KYC rejection (after the decision).
    static func approvedWithdrawal(_ f: RiskFixture, _ p: String) async throws -> Approved {
        let email = "\(p)@risk.test"
        let client = try await f.client(email, name: "Wanda Withdraw", kyc: "approved")
        let usd = try #require(Currency("USD"))
        try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
            try await tx.query("""
                INSERT INTO kyc_decisions (user_id, decided_at, actor, outcome, reasons, note, facts)
                VALUES (\(client), now() - interval '2 days', 'staff:kyc-officer', 'approved', '{}', 'documents fine', '{}')
                """)
            let wallet = try await Ledger.wallet(user: client, currency: usd, in: tx)
            let clearing = try await Ledger.house(.pspClearing, "wire", currency: usd, in: tx)
            try await Ledger.transfer(id: UUID(), debit: clearing, credit: wallet, amount: 50_000, code: "deposit", reference: "DEP-\(p)", in: tx)
        }
        let brand = try #require(f.aurora.config)
        let payer = PaymentClient(id: client, email: email, country: "GB", ip: "10.9.9.9", userAgent: "InvestigationBrowser/\(p)")
        let w = try await f.s.payments.requestWithdrawal(tenant: f.aurora.handle, brand: brand, client: payer, pspID: "sandbox-card",
                                                         money: try Money.parse("200", currency: usd), idempotencyKey: "w-\(p)", origin: "http://aurora.localhost")
        #expect(w.status == .review)
        let financeEmail = try #require(ClientsFixture.emails[.finance])
        let finance = try #require(f.staff[financeEmail])
        let approved = try await f.s.payments.approveWithdrawal(tenant: f.aurora.handle, payment: w.id, staff: finance, requestID: "rq-\(p)")
        #expect(approved.status == .approved)
        let proving = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
            try await tx.query("INSERT INTO kyc_decisions (user_id, actor, outcome, reasons, note, facts) VALUES (\(client), 'staff:later', 'rejected', '{}', 'later', '{}')")
            // a later row, so the exported segment always has one past the withdrawal's own rows
            try await AuditLog.append(AuditEntry(actor: "test", action: "test.marker", subject: "test:\(p)"), in: tx)
            return try await tx.query("SELECT seq FROM audit_log WHERE subject = \("payment:\(w.reference)") ORDER BY seq").collect().map { try $0.decode(Int64.self) }
        }
        return Approved(client: client, withdrawal: approved, financeEmail: financeEmail, proving: proving)
    }

    /// Bytes of a GET (the form client reads bodies as text).
    static func bytes(_ web: FormClient, _ path: String) async throws -> (HTTPResponse.Status, Data) {
        var headers: HTTPFields = [HTTPField.Name("Host")!: web.host]
        headers[.cookie] = web.cookieHeader
        let r = try await web.client.execute(uri: path, method: .get, headers: headers, body: nil)
        return (r.status, Data(buffer: r.body))
    }

    /// Runs `atrium audit verify-export` on `data`; its exit status and output.
    static func verify(_ data: Data, name: String) async throws -> (Int32?, String) {
        let dir = TestCluster.repoRoot + "/.atrium/test/risk-exports"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = "\(dir)/\(name)-\(UUID().uuidString.prefix(6)).zip"
        try data.write(to: URL(fileURLWithPath: path))
        let run = try AtriumRun(["audit", "verify-export", path], environment: [:], log: path + ".log")
        let status = await run.exitStatus(within: 60)
        return (status, run.output)
    }

    /// The ZIP with `change` applied to its files and, unless `keepManifest`, the manifest recomputed.
    static func tampered(_ zip: Data, keepManifest: Bool = false, _ change: (inout [String: Data]) throws -> Void) throws -> Data {
        var files = try CaseFile.unzip(zip)
        try change(&files)
        if !keepManifest {
            var manifest = try JSONDecoder().decode(CaseFileManifest.self, from: try #require(files["manifest.json"]))
            for (name, data) in files where name != "manifest.json" { manifest.files[name] = Token.hex(SHA256Digest.of(data)) }
            files["manifest.json"] = try CaseFile.encoder().encode(manifest)
        }
        return try CaseFile.zip(files.sorted { $0.key < $1.key })
    }

    @Test("the page shows the Finance approver, the rules, KYC approved as of the approval (not the later rejection) and the proving audit seqs")
    func page() async throws {
        try await RiskFixture.with { f, client in
            // setup
            let p = RiskFixture.prefix("inv")
            let a = try await Self.approvedWithdrawal(f, p)
            let web = try await ClientsFixture.signIn(client, .compliance)
            // MUT
            let page = try await web.get("/admin/compliance/investigate?withdrawal=\(a.withdrawal.id.uuidString.lowercased())")
            // validate
            #expect(page.status == .ok)
            let body = page.body
            #expect(body.contains("<td class=\"approver\">\(a.financeEmail)"))
            #expect(body.contains("<span id=\"inv-amount\">200.00 USD</span>"))
            #expect(!a.withdrawal.reviewReasons.isEmpty)
            for reason in a.withdrawal.reviewReasons { #expect(body.contains("data-rule=\"\(reason)\"")) }
            #expect(body.contains("<dd id=\"inv-kyc-then\">approved · "))
            #expect(body.contains("staff:kyc-officer"))
            #expect(!body.contains("staff:later"))
            #expect(body.contains("data-status=\"clear\""))
            #expect(a.proving.count >= 2)
            for seq in a.proving { #expect(body.contains("<tr data-seq=\"\(seq)\">")) }
            #expect(body.contains("withdrawal.requested"))
            #expect(body.contains("withdrawal.approved"))
        }
    }

    @Test("the export verifies with the CLI; a changed fact, audit row, removed row, changed anchor or cited entry is rejected with the reason")
    func export() async throws {
        try await RiskFixture.with { f, client in
            // setup
            let p = RiskFixture.prefix("exp")
            let a = try await Self.approvedWithdrawal(f, p)
            let web = try await ClientsFixture.signIn(client, .compliance)
            // MUT
            let (status, zip) = try await Self.bytes(web, "/admin/compliance/investigate/export?withdrawal=\(a.withdrawal.id.uuidString.lowercased())")
            // validate
            #expect(status == .ok)
            let files = try CaseFile.unzip(zip)
            #expect(Set(files.keys) == ["facts.json", "audit-segment.json", "anchor.json", "manifest.json"])
            let segment = try JSONDecoder().decode(CaseFileSegment.self, from: try #require(files["audit-segment.json"]))
            #expect(segment.tenant == "aurora")
            #expect(segment.tenantID == f.aurora.handle.id.uuidString.lowercased())
            let facts = try JSONDecoder().decode(InvestigationFacts.self, from: try #require(files["facts.json"]))
            #expect(facts.withdrawal.reference == a.withdrawal.reference)
            #expect(facts.approvals.map(\.email) == [a.financeEmail])
            #expect(facts.kycThen?.outcome == "approved")
            #expect(Set(a.proving).isSubset(of: Set(facts.audit.map(\.seq))))
            #expect(try CaseFile.encoder().encode(facts) == files["facts.json"])
            let (ok, okOutput) = try await Self.verify(zip, name: "intact")
            #expect(ok == 0, "\(okOutput)")
            #expect(okOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "OK")

            let changedFact = try Self.tampered(zip, keepManifest: true) { files in
                var facts = try JSONDecoder().decode(InvestigationFacts.self, from: try #require(files["facts.json"]))
                facts.approvals[0].email = "someone-else@aurora.test"
                files["facts.json"] = try CaseFile.encoder().encode(facts)
            }
            let (s1, o1) = try await Self.verify(changedFact, name: "fact")
            #expect(s1 == 1)
            #expect(o1.contains("manifest: facts.json SHA-256 does not match"))

            let middle = a.proving[0]
            let changedRow = try Self.tampered(zip) { files in
                var seg = try JSONDecoder().decode(CaseFileSegment.self, from: try #require(files["audit-segment.json"]))
                let i = try #require(seg.rows.firstIndex { $0.seq == middle })
                seg.rows[i].actor = "staff:someone-else"
                files["audit-segment.json"] = try CaseFile.encoder().encode(seg)
            }
            let (s2, o2) = try await Self.verify(changedRow, name: "row")
            #expect(s2 == 1)
            #expect(o2.contains("segment: seq \(middle) hash does not match its contents"))

            #expect(segment.rows.count >= 3)
            let removed = try Self.tampered(zip) { files in
                var seg = try JSONDecoder().decode(CaseFileSegment.self, from: try #require(files["audit-segment.json"]))
                seg.rows.remove(at: 1)
                files["audit-segment.json"] = try CaseFile.encoder().encode(seg)
            }
            let (s3, o3) = try await Self.verify(removed, name: "removed")
            #expect(s3 == 1)
            #expect(o3.contains("segment: seq \(segment.rows[2].seq) follows seq \(segment.rows[0].seq) (rows are missing)"))

            let changedAnchor = try Self.tampered(zip) { files in
                var anchor = try JSONDecoder().decode(CaseFileAnchor.self, from: try #require(files["anchor.json"]))
                anchor.hash = String(repeating: "ab", count: 32)
                files["anchor.json"] = try CaseFile.encoder().encode(anchor)
            }
            let (s4, o4) = try await Self.verify(changedAnchor, name: "anchor")
            #expect(s4 == 1)
            #expect(o4.contains("anchor: hash of anchored seq"))

            let changedCitation = try Self.tampered(zip) { files in
                var facts = try JSONDecoder().decode(InvestigationFacts.self, from: try #require(files["facts.json"]))
                facts.audit[0].actor = "staff:someone-else"
                files["facts.json"] = try CaseFile.encoder().encode(facts)
            }
            let (s5, o5) = try await Self.verify(changedCitation, name: "citation")
            #expect(s5 == 1)
            #expect(o5.contains("facts: cited audit seq \(facts.audit[0].seq) does not match the segment row"))
        }
    }

    @Test("each built-in role against the investigation, the export and the risk queue; Meridian's withdrawal id is a 404 in Aurora")
    func roles() async throws {
        try await RiskFixture.with { f, client in
            // setup
            let p = RiskFixture.prefix("roles")
            let a = try await Self.approvedWithdrawal(f, p)
            let id = a.withdrawal.id.uuidString.lowercased()
            let expected: [BuiltinRole: HTTPResponse.Status] = [.superAdmin: .ok, .compliance: .ok, .finance: .forbidden, .sales: .forbidden, .support: .forbidden]
            // MUT + validate
            for (role, want) in expected {
                let web = try await ClientsFixture.signIn(client, role)
                #expect(try await web.get("/admin/compliance/investigate?withdrawal=\(id)").status == want, "\(role) investigation")
                #expect(try await Self.bytes(web, "/admin/compliance/investigate/export?withdrawal=\(id)").0 == want, "\(role) export")
                #expect(try await web.get("/admin/compliance/risk").status == want, "\(role) risk queue")
            }
            // another brand's withdrawal
            let other = try await f.client("\(p)-m@risk.test", in: f.meridian)
            let foreign = try await f.s.tenantDB.transaction(f.meridian.handle) { tx in
                try #require(try await tx.query("""
                    INSERT INTO payments (kind, user_id, psp_id, psp_type, currency, amount, status, reference, idempotency_key)
                    VALUES ('withdrawal', \(other), 'sandbox-card', 'sandbox', 'USD', 1000, 'review', \("W-\(p)"), \(p)) RETURNING id
                    """).collect().first?.decode(UUID.self))
            }
            let web = try await ClientsFixture.signIn(client, .compliance)
            #expect(try await web.get("/admin/compliance/investigate?withdrawal=\(foreign.uuidString.lowercased())").status == .notFound)
            #expect(try await Self.bytes(web, "/admin/compliance/investigate/export?withdrawal=\(foreign.uuidString.lowercased())").0 == .notFound)
            // a malformed id names the field and shows no withdrawal
            let bad = try await web.get("/admin/compliance/investigate?withdrawal=not-an-id")
            #expect(bad.status == .badRequest)
            #expect(bad.body.contains("data-field=\"withdrawal\""))
            #expect(!bad.body.contains("id=\"inv-withdrawal\""))
        }
    }

    @Test("the risk queue lists a flag, marking it reviewed is audited; the client page shows the section to Compliance only")
    func queue() async throws {
        try await RiskFixture.with { f, client in
            // setup
            let p = RiskFixture.prefix("queue")
            let trader = try await f.client("\(p)@risk.test")
            let acct = try await f.account(trader)
            let start = RiskFixture.nowMsc - 3_600_000, pos = Int64.random(in: 1_000_000...900_000_000_000)
            for i in 0..<10 { try await f.position(acct, pos + Int64(i), opened: start + Int64(i) * 60_000, heldSeconds: 1) }
            _ = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in try await RiskFlags.run(in: tx) }
            let flag = try #require(try await RiskFlagTests.flags(f, trader).first)
            let web = try await ClientsFixture.signIn(client, .compliance)
            let list = try await web.get("/admin/compliance/risk")
            #expect(list.body.contains("data-flag=\"\(flag.id.uuidString.lowercased())\" data-kind=\"latency_arbitrage\""))
            #expect(list.body.contains("10/10 &lt; 30 s (100 %, 30 d)") || list.body.contains("10/10 < 30 s (100 %, 30 d)"))
            // MUT
            let r = try await web.post("/admin/compliance/risk/\(flag.id.uuidString.lowercased())/review", [:], csrfFrom: "/admin/compliance/risk")
            // validate
            #expect(r.status == .seeOther)
            let after = try #require(try await RiskFlagTests.flags(f, trader).first)
            #expect(after.status == "reviewed")
            #expect(after.reviewedBy == "staff:\(try #require(f.staff["compliance@aurora.test"]).uuidString.lowercased())")
            let again = try await web.post("/admin/compliance/risk/\(flag.id.uuidString.lowercased())/review", [:], csrfFrom: "/admin")
            #expect(again.status == .notFound)
            let page = try await web.get("/admin/clients/\(trader.uuidString.lowercased())")
            #expect(page.body.contains("id=\"client-risk\""))
            #expect(page.body.contains("data-kind=\"latency_arbitrage\""))
            let admin = try await ClientsFixture.signIn(client, .support)
            let hidden = try await admin.get("/admin/clients/\(trader.uuidString.lowercased())")
            #expect(hidden.status == .ok)
            #expect(!hidden.body.contains("id=\"client-risk\""))
        }
    }
}

/// SHA-256 for the test's manifest rewrites, through the same helper the verifier uses.
enum SHA256Digest {
    static func of(_ data: Data) -> [UInt8] {
        Array(Token.digest(String(decoding: data, as: UTF8.self)))
    }
}
