import AtriumHTTP
import AtriumIdentity
import Foundation
import Testing

extension TradingRouteTests {
    @Test("another client of the brand, the same account id on another brand, and a borrowed cookie all get 404 or the sign-in page")
    func otherClientsAndBrandsGetNotFound() async throws {
        try await Self.with("trisoclient", brands: ["kite"]) { f in
            let page = try await Self.openAccount(f).page
            let other = FormClient(f.client, host: "aurora.localhost")
            try await WalletRouteTests.register(other, email: "other@aurora.test")
            #expect(try await other.get(page).status == .notFound)
            #expect(try await other.post(page + "/transfer", ["direction": "to_wallet", "amount": "1", "idem": "o"], csrfFrom: "/accounts").status == .notFound)
            let kite = FormClient(f.client, host: "kite.localhost")
            try await WalletRouteTests.register(kite, email: "route@kite.test")
            #expect(try await kite.get(page).status == .notFound)
            // Aurora's cookie means nothing on Kite
            let borrowed = FormClient(f.client, host: "kite.localhost")
            borrowed.cookies = f.web.cookies
            #expect(try await borrowed.get("/accounts").status == .seeOther)
        }
    }

    @Test("another brand's Back Office gets 404 for the account and client; Finance staff without trading.manage get 403")
    func staffOutsideTheBrandOrRoleAreRefused() async throws {
        try await Self.with("trisostaff", brands: ["kite"]) { f in
            let accountID = try await Self.openAccount(f).id
            let kiteStaff = FormClient(f.client, host: "kite.localhost")
            #expect(try await kiteStaff.post("/admin/login", ["email": "admin@kite.test", "password": "admin-demo-pass"], csrfFrom: "/admin").status == .seeOther)
            #expect(try await kiteStaff.get("/admin/trading/accounts/\(accountID)").status == .notFound)
            #expect(try await kiteStaff.get("/admin/trading/clients/\(f.traderID.uuidString.lowercased())").status == .notFound)
            #expect(try await kiteStaff.get("/admin/trading").status == .ok)
            try await DemoSeed.upsertStaff(slug: "aurora", email: "finance@aurora.test", role: .finance, password: "finance-demo-pass", services: f.s)
            let finance = FormClient(f.client, host: "aurora.localhost")
            #expect(try await finance.post("/admin/login", ["email": "finance@aurora.test", "password": "finance-demo-pass"], csrfFrom: "/admin").status == .seeOther)
            #expect(try await finance.get("/admin/trading").status == .forbidden)
            #expect(try await finance.get("/admin/trading/accounts/\(accountID)").status == .forbidden)
        }
    }

    @Test("the trading screens speak the brand's language: Spanish on Kite, Arabic right-to-left on Meridian")
    func screensSpeakTheBrandsLanguage() async throws {
        try await Self.with("trlocale", brands: ["kite", "meridian"]) { f in
            let kite = FormClient(f.client, host: "kite.localhost")
            try await WalletRouteTests.register(kite, email: "route@kite.test")
            #expect(try await kite.get("/accounts").body.contains("Cuentas de trading"))
            #expect(try await kite.get("/accounts/open").body.contains("Abrir una cuenta de trading"))
            let meridian = FormClient(f.client, host: "meridian.localhost")
            try await WalletRouteTests.register(meridian, email: "route@meridian.test")
            let arabic = try await meridian.get("/accounts/open")
            #expect(arabic.body.contains("فتح حساب تداول"))
            #expect(arabic.body.contains(#"dir="rtl""#))
            #expect(arabic.body.contains(#"value="mt5-swapfree/swap-free""#))
        }
    }
}
