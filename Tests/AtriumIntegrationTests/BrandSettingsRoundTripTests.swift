import AtriumHTTP
import Foundation
import HTTPTypes
import Testing

@Suite("Brand settings editors: each page's form posted back untouched changes nothing", .serialized, .timeLimit(.minutes(3)))
struct BrandSettingsRoundTripTests {
    /// The fields a browser would submit for form `id` of `html`: text inputs with their values,
    /// ticked checkboxes as "on", each select's selected option. File inputs are left out.
    static func fields(ofForm id: String, in html: String) throws -> [String: String] {
        let start = try #require(html.range(of: "id=\"\(id)\""))
        let end = try #require(html.range(of: "</form>", range: start.upperBound..<html.endIndex))
        let form = String(html[start.upperBound..<end.lowerBound])
        func attribute(_ name: String, _ tag: String) -> String? {
            guard let r = tag.range(of: " \(name)=\"[^\"]*\"", options: .regularExpression) else { return nil }
            return decode(String(tag[r].dropFirst(name.count + 3).dropLast()))
        }
        var out: [String: String] = [:]
        for match in form.matches(of: /<input[^>]*>/) {
            let tag = String(match.0)
            guard let name = attribute("name", tag), name != "_csrf" else { continue }
            switch attribute("type", tag) {
            case "file": continue
            case "checkbox": if tag.contains(" checked") { out[name] = "on" }
            default: out[name] = attribute("value", tag) ?? ""
            }
        }
        for match in form.matches(of: /<select[^>]*name="([^"]+)"[^>]*>(.*?)<\/select>/) {
            if let selected = String(match.2).firstMatch(of: /<option value="([^"]*)" selected/) {
                out[String(match.1)] = decode(String(selected.1))
            }
        }
        return out
    }

    static func decode(_ s: String) -> String {
        [("&quot;", "\""), ("&#39;", "'"), ("&#x27;", "'"), ("&lt;", "<"), ("&gt;", ">"), ("&#x2F;", "/"), ("&#x3D;", "="), ("&#x60;", "`"), ("&amp;", "&")]
            .reduce(s) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
    }

    @Test("branding, KYC rules, PSPs, a platform connection, withdrawal rules and IB defaults round-trip without a new version")
    func untouchedForms() async throws {
        let f = try await EditorsFixture.make("editorsroundtrip")
        try await f.signedIn { web in
            // The scraper reads what a browser would send.
            let psps = try Self.fields(ofForm: "psp-form", in: try await web.get("/admin/settings/psps").body)
            #expect(psps["psp_sandbox-card_min"] == "10.00" && psps["psp_bank-wire_max"] == "1000000.00" && psps["psp_sandbox-card_fee_fixed"] == "0.30")
            let kyc = try Self.fields(ofForm: "kyc-form", in: try await web.get("/admin/settings/kyc").body)
            #expect(kyc["j_DE_doc_identity"] == "on" && kyc["j_DE_doc_proof_of_funds"] == nil && kyc["j_default_auto"] == "on" && kyc["pof_amount"] == "10000.00")
            let branding = try Self.fields(ofForm: "branding-form", in: try await web.get("/admin/settings/branding").body)
            #expect(branding["default_locale"] == "en" && branding["locale_es"] == "on" && branding["locale_ar"] == nil)
            let platform = try Self.fields(ofForm: "platform-mt5-live", in: try await web.get("/admin/settings/platforms").body)
            #expect(platform["at_standard_group"] == "real\\standard" && platform["sg_metals"] == "XAU*, XAG*")
            for (page, formID, action) in [
                ("/admin/settings/branding", "branding-form", "/admin/settings/branding"),
                ("/admin/settings/kyc", "kyc-form", "/admin/settings/kyc"),
                ("/admin/settings/psps", "psp-form", "/admin/settings/psps"),
                ("/admin/settings/platforms", "platform-mt5-live", "/admin/settings/platforms/mt5-live"),
                ("/admin/settings/withdrawals", "withdrawals-form", "/admin/settings/withdrawals"),
                ("/admin/settings/partners", "partners-form", "/admin/settings/partners"),
            ] {
                // setup
                let before = try await f.latestVersion().version
                let fields = try Self.fields(ofForm: formID, in: try await web.get(page).body)
                #expect(fields.count >= 3, "\(formID) has its fields")
                // MUT
                let r = try await web.post(action, fields, csrfFrom: page)
                // validate
                #expect(r.status == .seeOther, "\(formID): \(r.body.prefix(0))")
                #expect(r.headers[.location]?.hasSuffix("done=unchanged") == true, "\(formID) → \(r.headers[.location] ?? String(r.status.code))")
                #expect(try await f.latestVersion().version == before, "\(formID) writes nothing")
            }
        }
    }
}
