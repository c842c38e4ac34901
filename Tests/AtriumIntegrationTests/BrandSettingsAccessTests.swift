import AtriumHTTP
import AtriumIdentity
import Foundation
import HTTPTypes
import Testing

@Suite("Brand settings editors: each built-in role against each editor", .serialized, .timeLimit(.minutes(3)))
struct BrandSettingsAccessTests {
    static let shared = Task { try await EditorsFixture.make("editorsaccess") }

    static let pages = ["/admin/settings", "/admin/settings/branding", "/admin/settings/kyc", "/admin/settings/psps",
                        "/admin/settings/platforms", "/admin/settings/withdrawals", "/admin/settings/partners"]
    /// A valid change per save endpoint, so that a 403 is the permission and not the input.
    static let saves: [(path: String, form: [String: String])] = [
        ("/admin/settings/branding", ["primary_color": "#101010"]),
        ("/admin/settings/kyc", ["blocked_countries": "US, KP"]),
        ("/admin/settings/psps", ["psp_sandbox-card_currencies": "USD", "psp_sandbox-card_min": "12.00"]),
        ("/admin/settings/platforms/mt5-live", ["server_time_offset_minutes": "60"]),
        ("/admin/settings/withdrawals", ["max_per_day": "9"]),
        ("/admin/settings/partners", ["settlement": "daily"]),
    ]

    @Test("only Super Admin (brand.manage) opens the editors; every other role gets 403 on each page and each save, and nothing is written")
    func rolesAgainstEditors() async throws {
        let f = try await Self.shared.value
        // setup
        let before = try await f.latestVersion().version
        for (role, _, _) in EditorsFixture.staff {
            try await f.signedIn(role) { web in
                // MUT + validate
                for page in Self.pages {
                    let r = try await web.get(page)
                    #expect(r.status == (role == .superAdmin ? .ok : .forbidden), "\(role) GET \(page)")
                }
                guard role != .superAdmin else { return }
                for (path, form) in Self.saves {
                    let r = try await web.post(path, form, csrfFrom: "/admin")
                    #expect(r.status == .forbidden, "\(role) POST \(path)")
                }
                let logo = try await EditorsFixture.upload(web, "/admin/settings/branding/logo", field: "logo", fileName: "logo.png",
                                                                 contentType: "image/png", bytes: EditorsFixture.png(width: 32, height: 32),
                                                                 csrfFrom: "/admin")
                #expect(logo.status == .forbidden, "\(role) uploads a logo")
            }
        }
        #expect(try await f.latestVersion().version == before)
        #expect(try await f.assetCount() == 0)
    }

    @Test("the Back Office header links Settings for Super Admin only; the index links every editor and the versions, credentials and approvals pages")
    func navigation() async throws {
        let f = try await Self.shared.value
        try await f.signedIn(.superAdmin) { web in
            let home = try await web.get("/admin")
            #expect(home.body.contains(#"href="/admin/settings""#))
            let index = try await web.get("/admin/settings")
            for href in Self.pages.dropFirst() + ["/admin/settings/versions", "/admin/settings/credentials", "/admin/settings/approvals"] {
                #expect(index.body.contains("href=\"\(href)\""), "\(href)")
            }
        }
        try await f.signedIn(.finance) { web in
            let home = try await web.get("/admin")
            #expect(home.status == .ok)
            #expect(!home.body.contains(#"href="/admin/settings""#))
        }
    }
}
