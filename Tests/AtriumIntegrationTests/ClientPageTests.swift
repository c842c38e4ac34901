import AtriumCRM
import AtriumHTTP
import AtriumIdentity
import AtriumLedger
import AtriumStorage
import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Testing

/// The one-screen client page: its sections, who sees money and actions, notes and profile edits
/// with bad input refused by field and nothing written.
@Suite("Back Office client page", .timeLimit(.minutes(3)))
struct ClientPageTests {
    /// A client with a KYC decision, a 123.45 USD wallet credit, a deposit, an account, an IB, a
    /// task, a lead stage change and an audit row.
    static func richClient(_ f: ClientsFixture, _ p: String) async throws -> UUID {
        let id = try await f.client("\(p)-rich@clients.test", name: "Rita Rich", country: "DE", kyc: "approved", agent: "sales@aurora.test")
        try await f.deposit(id, amount: 12_345)
        _ = try await ClientListTests.attribute(f, id, ibEmail: "\(p)-ib@partners.test", code: "IB\(p)")
        let admin = try #require(f.staff["admin@aurora.test"])
        try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
            try await tx.query("""
                INSERT INTO kyc_decisions (user_id, actor, outcome, reasons, note, facts) VALUES (\(id), 'system', 'approved', '{}', 'auto', '{}')
                """)
            let usd = try #require(Currency("USD"))
            let wallet = try await Ledger.wallet(user: id, currency: usd, in: tx)
            let clearing = try await Ledger.house(.pspClearing, "wire", currency: usd, in: tx)
            try await Ledger.transfer(id: UUID(), debit: clearing, credit: wallet, amount: 12_345, code: "deposit", reference: "DEP-\(p)", in: tx)
            try await tx.query("""
                INSERT INTO trading_accounts (user_id, connection_id, login, kind, account_type, platform_group, currency, leverage, idempotency_key, last_balance)
                VALUES (\(id), 'mt5-demo', \("5\(Int.random(in: 10_000_000...99_999_999))"), 'live', 'standard', 'real', 'USD', 200, \(p), 50000)
                """)
            try await tx.query("""
                INSERT INTO tasks (client_id, title, due_at, assignee_id, created_by) VALUES (\(id), 'Call about documents', now() - interval '1 day', \(admin), \(admin))
                """)
            try await tx.query("INSERT INTO lead_events (client_id, from_stage, to_stage, actor) VALUES (\(id), 'new', 'contacted', 'staff:test')")
            try await AuditLog.append(AuditEntry(actor: "trader:\(id.uuidString.lowercased())", action: "trader.password_changed",
                                                 subject: "trader:\(id.uuidString.lowercased())"), in: tx)
            try await AuditLog.append(AuditEntry(actor: "staff:test", action: "partner.client.reassigned", subject: "client:\(id.uuidString.lowercased())"), in: tx)
        }
        return id
    }

    @Test("the Super Admin sees every section, the money and both forms; the timeline merges audit, lead and note")
    func sections() async throws {
        try await ClientsFixture.with { f, client in
            // setup
            let p = ClientsFixture.prefix("rich")
            let id = try await Self.richClient(f, p)
            let admin = try await ClientsFixture.signIn(client, .superAdmin)
            let path = "/admin/clients/\(id.uuidString.lowercased())"
            #expect(try await admin.post(path + "/notes", ["client_note": "Prefers email\nsecond line"], csrfFrom: path).status == .seeOther)
            // MUT
            let page = try await admin.get(path)
            // validate
            #expect(page.status == .ok)
            let body = page.body
            for needle in ["Rita Rich", "Germany", "id=\"client-kyc\"", "Approved", "id=\"client-money\"", "<span class=\"balance\">123.45</span>",
                           "123.45 USD", "1:200", "500.00", "\(p)-ib@partners.test", "Call about documents", "Overdue",
                           "href=\"/admin/tasks/new?client=\(id.uuidString.lowercased())\"", "id=\"client-edit\"", "id=\"client-note\"",
                           "Prefers email", "sales@aurora.test", "lead.new-&gt;contacted", "trader.password_changed", "partner.client.reassigned", "data-source=\"note\"",
                           "href=\"/admin/kyc/\(id.uuidString.lowercased())\""] {
                #expect(body.contains(needle), "page shows \(needle)")
            }
        }
    }

    @Test("each built-in role: page 200; money only with finance.view; note and edit forms only with clients.edit; POSTs 403 without it")
    func roles() async throws {
        try await ClientsFixture.with { f, client in
            // setup
            let p = ClientsFixture.prefix("prole")
            let id = try await Self.richClient(f, p)
            let path = "/admin/clients/\(id.uuidString.lowercased())"
            let canWrite: Set<BuiltinRole> = [.superAdmin, .sales]
            let seesMoney: Set<BuiltinRole> = [.superAdmin, .finance]
            // MUT / validate
            for role in BuiltinRole.allCases {
                let web = try await ClientsFixture.signIn(client, role)
                let page = try await web.get(path)
                #expect(page.status == .ok, "\(role)")
                #expect(page.body.contains("id=\"client-money\"") == seesMoney.contains(role), "\(role) money")
                #expect(page.body.contains("123.45") == seesMoney.contains(role), "\(role) balance")
                #expect(page.body.contains("id=\"client-edit\"") == canWrite.contains(role), "\(role) edit form")
                #expect(page.body.contains("id=\"client-note\"") == canWrite.contains(role), "\(role) note form")
                let note = try await web.post(path + "/notes", ["client_note": "from \(role.rawValue)"], csrfFrom: "/admin")
                #expect(note.status == (canWrite.contains(role) ? .seeOther : .forbidden), "\(role) note POST")
                let edit = try await web.post(path + "/profile", ["name": "Renamed by \(role.rawValue)", "country": "DE"], csrfFrom: "/admin")
                #expect(edit.status == (canWrite.contains(role) ? .seeOther : .forbidden), "\(role) edit POST")
            }
            // validate: only the two writers left a note and an audited rename
            #expect(try await f.count("SELECT count(*)::int FROM client_notes WHERE client_id = \(id)") == 2)
            #expect(try await f.count("SELECT count(*)::int FROM users WHERE id = \(id) AND name = 'Renamed by Support'") == 0)
            #expect(try await f.count("SELECT count(*)::int FROM users WHERE id = \(id) AND name = 'Renamed by Sales'") == 1)
            #expect(try await f.count("SELECT count(*)::int FROM audit_log WHERE action = 'client.profile_updated' AND subject = \("trader:\(id.uuidString.lowercased())")") == 2)
        }
    }

    @Test("bad note and profile input: 400 naming the field, the text kept, nothing written")
    func badInput() async throws {
        try await ClientsFixture.with { f, client in
            // setup
            let p = ClientsFixture.prefix("pbad")
            let id = try await f.client("\(p)-1@clients.test", name: "Bea Bad", country: "GB")
            let admin = try await ClientsFixture.signIn(client, .superAdmin)
            let path = "/admin/clients/\(id.uuidString.lowercased())"
            let long = String(repeating: "n", count: ClientNotes.maxLength + 1)
            // MUT / validate
            for (fields, field) in [(["client_note": ""], "client_note"), (["client_note": "   \n  "], "client_note"), (["client_note": long], "client_note")] {
                let r = try await admin.post(path + "/notes", fields, csrfFrom: path)
                #expect(r.status == .badRequest)
                #expect(r.body.contains(#"data-field="\#(field)""#))
            }
            // a control character is refused by the form reader, naming the field by its label
            let control = try await admin.post(path + "/notes", ["client_note": "bell\u{7}here"], csrfFrom: path)
            #expect(control.status == .badRequest)
            #expect(control.body.contains("Note"))
            let kept = try await admin.post(path + "/notes", ["client_note": long], csrfFrom: path)
            #expect(kept.body.contains(long), "the refused text is put back in the form")
            for (fields, field) in [(["name": "", "country": "GB"], "name"), (["name": "Bea", "country": "ZZ"], "country"),
                                    (["name": "Bea", "country": "Germany"], "country"), (["name": String(repeating: "b", count: 201), "country": "GB"], "name")] {
                let r = try await admin.post(path + "/profile", fields, csrfFrom: path)
                #expect(r.status == .badRequest, "\(fields)")
                #expect(r.body.contains(#"data-field="\#(field)""#), "\(fields) names \(field)")
            }
            #expect(try await f.count("SELECT count(*)::int FROM client_notes WHERE client_id = \(id)") == 0)
            #expect(try await f.count("SELECT count(*)::int FROM users WHERE id = \(id) AND name = 'Bea Bad' AND country = 'GB'") == 1)
            #expect(try await f.count("SELECT count(*)::int FROM audit_log WHERE subject = \("trader:\(id.uuidString.lowercased())")") == 0)
            // a good note lands once, audited, and shows newest first
            #expect(try await admin.post(path + "/notes", ["client_note": "first"], csrfFrom: path).status == .seeOther)
            #expect(try await admin.post(path + "/notes", ["client_note": "second"], csrfFrom: path).status == .seeOther)
            let page = try await admin.get(path).body
            let first = try #require(page.range(of: "<p class=\"note-body\" style=\"white-space: pre-line\">first</p>")), second = try #require(page.range(of: "<p class=\"note-body\" style=\"white-space: pre-line\">second</p>"))
            #expect(second.lowerBound < first.lowerBound)
            #expect(try await f.count("SELECT count(*)::int FROM audit_log WHERE action = 'client.note_added' AND subject = \("trader:\(id.uuidString.lowercased())")") == 2)
        }
    }
}
