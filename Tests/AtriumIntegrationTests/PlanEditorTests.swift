import AtriumCore
import AtriumHTTP
import AtriumPartners
import AtriumStorage
import AtriumTenancy
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Plan editor: bad input, publish, diff, permissions", .timeLimit(.minutes(3)))
struct PlanEditorTests {
    /// One database with Aurora, a Sales and a Compliance staff member, shared by the cases; each
    /// case makes its own plan (names are unique per case) and counts only its own rows.
    struct Shared: Sendable {
        let s: AppServices
        let aurora: TenantRecord
    }

    static let shared = Task { () throws -> Shared in
        let s = try await TestEnv.started("planeditor")
        try await TestEnv.applyBrands(["aurora"], to: s)
        try await DemoSeed.upsertStaff(slug: "aurora", email: "sales@aurora.test", role: .sales, password: "sales-pass-1234", services: s)
        try await DemoSeed.upsertStaff(slug: "aurora", email: "compliance@aurora.test", role: .compliance, password: "compliance-pass-1", services: s)
        guard let aurora = try await s.registry.tenant(slug: "aurora") else { throw SharedFixtureError.serverDidNotStart }
        return Shared(s: s, aurora: aurora)
    }

    /// Runs `body` with a router client signed in to Aurora's Back Office as `email`.
    static func signedIn(_ email: String = "sales@aurora.test", password: String = "sales-pass-1234",
                         _ body: @Sendable (FormClient, Shared) async throws -> Void) async throws {
        let f = try await shared.value
        try await buildApplication(services: f.s).test(.router) { client in
            let web = FormClient(client, host: "aurora.localhost")
            let login = try await web.post("/admin/login", ["email": email, "password": password], csrfFrom: "/admin")
            #expect(login.status == .seeOther)
            try await body(web, f)
        }
    }

    /// A form that saves: two levels, forex 5.00/1.00 per lot, 20 %/5 % revenue share, cap 8.00, from tomorrow.
    static func form(_ overrides: [String: String] = [:]) -> [String: String] {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd'T'HH:mm"
        var form = ["effective_from": f.string(from: Date().addingTimeInterval(86_400)), "currency": "USD", "levels": "2", "pay_on": "close",
                    "min_hold_seconds": "60", "cap_per_lot": "8.00", "rebate_0_group": "forex", "rebate_0_amounts": "5.00, 1.00",
                    "revshare_commission": "20.00, 5.00"]
        form.merge(overrides) { _, new in new }
        return form
    }

    /// Creates a plan through the form; returns its page path.
    static func createPlan(_ web: FormClient, _ name: String) async throws -> String {
        let r = try await web.post("/admin/partners/plans", ["name": name], csrfFrom: "/admin/partners/plans")
        #expect(r.status == .seeOther)
        let location = try #require(r.headers[.location])
        return String(location.prefix { $0 != "?" })
    }

    static func versionCount(_ f: Shared, plan base: String) async throws -> Int {
        let id = try #require(UUID(uuidString: String(base.split(separator: "/").last ?? "")))
        return try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
            try await tx.query("SELECT count(*)::int FROM commission_plan_versions WHERE plan_id = \(id)").collect().first?.decode(Int.self) ?? -1
        }
    }

    @Test("each bad input is a 422 naming the field and writes no version; a good form saves exact minor units")
    func badInputs() async throws {
        try await Self.signedIn { web, f in
            let base = try await Self.createPlan(web, "Bad input \(UUID().uuidString.prefix(8))")
            for (overrides, field) in [
                (["rebate_0_amounts": "-5.00, 1.00"], "rebates[0].per_lot_minor[0]"),
                (["rebate_0_amounts": "5.00, 1.00, 0.50"], "rebates[0].per_lot_minor"),
                (["rebate_0_group": "energy"], "rebates[0].symbol_group"),
                (["cap_per_lot": "4.00"], "cap_per_lot_minor"),
                (["effective_from": "2020-01-01T00:00"], "effective_from"),
                (["rebate_0_amounts": "5.0.0, 1.00"], "rebates[0].per_lot_minor[0]"),
                (["rebate_0_amounts": "5.001, 1.00"], "rebates[0].per_lot_minor[0]"),
                (["levels": "two"], "levels"),
                (["levels": "11"], "levels"),
                (["revshare_commission": "20.00, abc"], "revenue_share.commission_bps[1]"),
                (["revshare_commission": "-1.00"], "revenue_share.commission_bps[0]"),
                (["tier_0_lots": "100", "tier_0_bonus": "-10"], "tiers[0].rebate_bonus_bps"),
                (["pay_on": "sometimes"], "pay_on"),
                (["currency": "XXQ"], "currency"),
            ] {
                let r = try await web.post(base + "/versions", Self.form(overrides), csrfFrom: base)
                #expect(r.status == .unprocessableContent, "\(overrides)")
                #expect(r.body.contains(#"data-field="\#(field)""#), "\(overrides) names \(field)")
                #expect(!r.body.contains("PSQLError"))
            }
            #expect(try await Self.versionCount(f, plan: base) == 0)
            let ok = try await web.post(base + "/versions", Self.form(), csrfFrom: base)
            #expect(ok.status == .seeOther)
            #expect(ok.headers[.location] == base + "/versions/1?done=draft_saved")
            let saved = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                try await tx.query("""
                    SELECT body->'rebates'->0->'per_lot_minor', body->'revenue_share'->'commission_bps', body->>'cap_per_lot_minor', status
                    FROM commission_plan_versions WHERE plan_id = \(try #require(UUID(uuidString: String(base.split(separator: "/").last ?? ""))))
                    """).collect().first?.decode((String, String, String, String).self)
            }
            #expect(saved?.0 == "[500, 100]")
            #expect(saved?.1 == "[2000, 500]")
            #expect(saved?.2 == "800")
            #expect(saved?.3 == "draft")
        }
    }

    @Test("publishing freezes a version: the editor refuses it (409) and the database refuses an UPDATE or DELETE (AP002)")
    func publishFreezes() async throws {
        try await Self.signedIn { web, f in
            let base = try await Self.createPlan(web, "Frozen \(UUID().uuidString.prefix(8))")
            #expect(try await web.post(base + "/versions", Self.form(), csrfFrom: base).status == .seeOther)
            let page = base + "/versions/1"
            let published = try await web.post(page + "/publish", [:], csrfFrom: page)
            #expect(published.status == .seeOther)
            #expect(published.headers[.location] == page + "?done=plan_published")
            let view = try await web.get(page)
            #expect(view.body.contains(#"id="version-status">Published"#))
            #expect(!view.body.contains(#"id="publish""#))
            let edit = try await web.post(page, Self.form(["rebate_0_amounts": "9.00, 1.00", "cap_per_lot": "10.00"]), csrfFrom: page)
            #expect(edit.status == .conflict)
            let id = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                try await tx.query("""
                    SELECT v.id FROM commission_plan_versions v WHERE v.plan_id = \(try #require(UUID(uuidString: String(base.split(separator: "/").last ?? ""))))
                    """).collect().first?.decode(UUID.self)
            }
            let version = try #require(id)
            for statement in ["UPDATE", "DELETE"] {
                do {
                    try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                        if statement == "UPDATE" {
                            try await tx.query("UPDATE commission_plan_versions SET body = '{}'::jsonb WHERE id = \(version)")
                        } else {
                            try await tx.query("DELETE FROM commission_plan_versions WHERE id = \(version)")
                        }
                    }
                    Issue.record("\(statement) of a published version went through")
                } catch {
                    #expect(error.sqlState == "AP002", "\(statement)")
                }
            }
            let body = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                try await tx.query("SELECT body->'rebates'->0->>'per_lot_minor' FROM commission_plan_versions WHERE id = \(version)").collect().first?.decode(String.self)
            }
            #expect(body == "[500, 100]")
            let audit = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                try await tx.query("""
                    SELECT action FROM audit_log WHERE subject = \("commission_plan_version:\(version.uuidString.lowercased())") ORDER BY seq
                    """).collect().map { try $0.decode(String.self) }
            }
            #expect(audit == ["partners.plan.draft_saved", "partners.plan.published"])
        }
    }

    @Test("a plan is assigned to an IB from a date; a past date, an unknown IB or a plan without a published version is a 422 naming the field")
    func assignment() async throws {
        try await Self.signedIn { web, f in
            let tag = String(UUID().uuidString.prefix(8)).lowercased()
            let ib = "assign-\(tag)@aurora.test"
            let partner = UUID()
            try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                let user = try #require(try await tx.query("INSERT INTO users (audience, email, name) VALUES ('ib', \(ib), 'Assign') RETURNING id")
                    .collect().first?.decode(UUID.self))
                try await tx.query("INSERT INTO partners (id, user_id, wallet_currency) VALUES (\(partner), \(user), 'USD')")
            }
            let base = try await Self.createPlan(web, "Assign \(tag)")
            let unpublished = try await web.post(base + "/assign", ["partner": ib, "effective_from": "2031-01-01T00:00"], csrfFrom: base)
            #expect(unpublished.status == .unprocessableContent && unpublished.body.contains(#"data-field="plan""#))
            #expect(try await web.post(base + "/versions", Self.form(), csrfFrom: base).status == .seeOther)
            #expect(try await web.post(base + "/versions/1/publish", [:], csrfFrom: base + "/versions/1").status == .seeOther)
            for (fields, field) in [
                (["partner": ib, "effective_from": "2020-01-01T00:00"], "effective_from"),
                (["partner": "nobody-\(tag)@aurora.test", "effective_from": "2031-01-01T00:00"], "partner"),
                (["partner": ib, "effective_from": "next week"], "effective_from"),
            ] {
                let r = try await web.post(base + "/assign", fields, csrfFrom: base)
                #expect(r.status == .unprocessableContent, "\(fields)")
                #expect(r.body.contains(#"data-field="\#(field)""#), "\(fields)")
            }
            let ok = try await web.post(base + "/assign", ["partner": ib.uppercased(), "effective_from": "2031-01-01T00:00"], csrfFrom: base)
            #expect(ok.status == .seeOther)
            let rows = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                try await tx.query("SELECT effective_from FROM partner_plans WHERE partner_id = \(partner)").collect().map { try $0.decode(Date.self) }
            }
            #expect(rows == [Date(timeIntervalSince1970: 1_924_992_000)])
            #expect(try await web.get(base).body.contains("\(ib) · "))
        }
    }

    @Test("the versions list and the diff show each changed field with its old and new value")
    func versionsDiff() async throws {
        try await Self.signedIn { web, f in
            let base = try await Self.createPlan(web, "Diff \(UUID().uuidString.prefix(8))")
            #expect(try await web.post(base + "/versions", Self.form(), csrfFrom: base).status == .seeOther)
            #expect(try await web.post(base + "/versions/1/publish", [:], csrfFrom: base + "/versions/1").status == .seeOther)
            let v2 = Self.form(["rebate_0_amounts": "6.00, 1.00", "rebate_1_group": "metals", "rebate_1_amounts": "8.00", "min_hold_seconds": "120"])
            #expect(try await web.post(base + "/versions", v2, csrfFrom: base).status == .seeOther)
            #expect(try await web.get(base).body.contains(#"id="plan-diff-form""#), "two versions: the compare form is offered")
            let page = try await web.get(base + "?from=1&to=2")
            #expect(page.body.contains(#"data-version="1""#) && page.body.contains(#"data-version="2""#))
            #expect(page.body.contains(#"<tr data-field="rebates[0].per_lot_minor[0]"><td><code>rebates[0].per_lot_minor[0]</code></td><td>500</td><td>600</td></tr>"#))
            #expect(page.body.contains(#"<tr data-field="min_hold_seconds"><td><code>min_hold_seconds</code></td><td>60</td><td>120</td></tr>"#))
            #expect(page.body.contains(#"<tr data-field="rebates[1].symbol_group"><td><code>rebates[1].symbol_group</code></td><td>—</td><td>metals</td></tr>"#))
            #expect(!page.body.contains(#"data-field="rebates[0].per_lot_minor[1]""#), "an unchanged field is not listed")
            let version = try await web.get(base + "/versions/2")
            #expect(version.body.contains("v1 → v2"))
            #expect(version.body.contains(#"data-field="rebates[1].per_lot_minor[0]""#))
            _ = f
        }
    }

    @Test("Sales (partners.manage) may use the plan editor, commissions and FX pages; Compliance gets 403 and writes nothing")
    func permissions() async throws {
        try await Self.signedIn { (web: FormClient, _: Shared) async throws in
            for path in ["/admin/partners/plans", "/admin/partners/commissions", "/admin/partners/fx"] {
                let status = try await web.get(path).status
                #expect(status == .ok, "\(path)")
            }
        }
        try await Self.signedIn("compliance@aurora.test", password: "compliance-pass-1") { web, f in
            for path in ["/admin/partners/plans", "/admin/partners/commissions", "/admin/partners/fx"] {
                #expect(try await web.get(path).status == .forbidden, "\(path)")
            }
            let token = FormClient.csrfToken(in: try await web.get("/admin").body)
            #expect(try await web.post("/admin/partners/plans", ["name": "Not allowed", "_csrf": token], csrf: false).status == .forbidden)
            #expect(try await web.post("/admin/partners/fx", ["base": "EUR", "quote": "USD", "rate": "1.1", "as_of": "2030-01-01T00:00", "_csrf": token],
                                       csrf: false).status == .forbidden)
            // Other tests in this suite create plans and rates at the same time, so count only what this one tried to write.
            let written = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                try await tx.query("""
                    SELECT (SELECT count(*)::int FROM commission_plans WHERE name = 'Not allowed')
                         + (SELECT count(*)::int FROM fx_rates WHERE as_of = '2030-01-01T00:00:00Z')
                    """).collect().first?.decode(Int.self)
            }
            #expect(written == 0)
            #expect(!(try await web.get("/admin").body.contains("/admin/partners/plans")), "no menu entry without the permission")
        }
    }

    @Test("an FX rate is recorded exactly; a bad one is a 422 naming the field")
    func fxRates() async throws {
        try await Self.signedIn { web, f in
            for (fields, field) in [
                (["base": "EUR", "quote": "USD", "rate": "-1.08", "as_of": "2031-01-01T00:00"], "rate"),
                (["base": "EUR", "quote": "USD", "rate": "1,08", "as_of": "2031-01-01T00:00"], "rate"),
                (["base": "EUR", "quote": "EUR", "rate": "1", "as_of": "2031-01-01T00:00"], "quote"),
                (["base": "EUR", "quote": "USD", "rate": "1.08", "as_of": "soon"], "as_of"),
            ] {
                let r = try await web.post("/admin/partners/fx", fields, csrfFrom: "/admin/partners/fx")
                #expect(r.status == .unprocessableContent, "\(fields)")
                #expect(r.body.contains(#"data-field="\#(field)""#), "\(fields)")
            }
            let ok = try await web.post("/admin/partners/fx", ["base": "gbp", "quote": "USD", "rate": "1.2634", "as_of": "2031-02-03T04:05"],
                                        csrfFrom: "/admin/partners/fx")
            #expect(ok.status == .seeOther)
            let stored = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in
                try await tx.query("SELECT rate::text, as_of FROM fx_rates WHERE base = 'GBP' AND quote = 'USD'").collect().map { try $0.decode((String, Date).self) }
            }
            #expect(stored.count == 1)
            #expect(stored.first?.0 == "1.263400000000")
            #expect(stored.first?.1 == Date(timeIntervalSince1970: 1_927_857_900))
            #expect(try await web.get("/admin/partners/fx").body.contains("1.263400000000"))
        }
    }
}
