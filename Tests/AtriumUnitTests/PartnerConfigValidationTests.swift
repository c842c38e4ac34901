import AtriumBrandConfig
import Foundation
import Testing

@Suite("Brand YAML validation of symbol groups and the partners block")
struct PartnerConfigValidationTests {
    static let valid = """
    slug: demo
    name: Demo Markets
    domains: [demo.example.com]
    branding: { primary_color: "#112233", accent_color: "#445566", legal_footer: "Demo Ltd" }
    locales: { default: en, available: [en, es] }
    admin: { email: admin@demo.test }
    platforms:
      - id: mt5-live
        type: sandbox_mt5
        endpoint: sandbox
        manager_login: env:DEMO_LOGIN
        manager_password: env:DEMO_PASSWORD
        account_types:
          - { id: standard, group: "real\\\\standard", currency: USD, leverages: [100] }
        symbol_groups:
          forex: ["EUR*", "GBPUSD"]
          metals: ["XAU*"]
    partners:
      settlement: monthly
      auto_approve_max_minor: { USD: 50000 }
      client_privacy: initials
      default_currency: USD
      spread_markup_per_lot_minor: { forex: 200 }
    """

    @Test("a file with symbol groups and a partners block parses, and groups resolve")
    func valid() throws {
        let c = try TenantConfig.parse(yaml: Self.valid, file: "demo.yaml")
        #expect(c.symbolGroupNames == ["forex", "metals"])
        #expect(c.symbolGroup(of: "EURJPY", connectionID: "mt5-live") == "forex")
        #expect(c.symbolGroup(of: "XAUUSD", connectionID: "mt5-live") == "metals")
        #expect(c.symbolGroup(of: "US30", connectionID: "mt5-live") == nil)
        #expect(c.partnerProgram.spreadMarkupPerLotMinor?["forex"] == 200)
    }

    @Test("each bad field is named", arguments: [
        ("metals: [\"XAU*\"]", "Metals!: [\"XAU*\"]", "platforms[0].symbol_groups.Metals!"),
        ("forex: [\"EUR*\", \"GBPUSD\"]", "forex: []", "platforms[0].symbol_groups.forex"),
        ("forex: [\"EUR*\", \"GBPUSD\"]", "forex: [\"E*R\"]", "platforms[0].symbol_groups.forex[0]"),
        ("metals: [\"XAU*\"]", "metals: [\"EUR*\"]", "platforms[0].symbol_groups.metals[0]"),
        ("settlement: monthly", "settlement: weekly", "partners.settlement"),
        ("client_privacy: initials", "client_privacy: everything", "partners.client_privacy"),
        ("default_currency: USD", "default_currency: XYZ", "partners.default_currency"),
        ("{ USD: 50000 }", "{ USD: -1 }", "partners.auto_approve_max_minor.USD"),
        ("{ USD: 50000 }", "{ ABC: 5 }", "partners.auto_approve_max_minor.ABC"),
        ("{ forex: 200 }", "{ crypto: 200 }", "partners.spread_markup_per_lot_minor.crypto"),
        ("{ forex: 200 }", "{ forex: -5 }", "partners.spread_markup_per_lot_minor.forex"),
    ])
    func namesTheField(original: String, replacement: String, path: String) throws {
        let yaml = Self.valid.replacingOccurrences(of: original, with: replacement)
        let error = #expect(throws: ConfigValidationError.self) { try TenantConfig.parse(yaml: yaml, file: "tenants/demo.yaml") }
        #expect(error?.problems.map(\.path) == [path], "got \(String(describing: error))")
    }

    @Test("the demo brands carry symbol groups for every group plans use, and a valid partners block")
    func demoBrands() throws {
        for brand in ["aurora", "kite", "meridian"] {
            let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("tenants/\(brand).yaml").path
            let c = try TenantConfig.parse(yaml: String(contentsOfFile: path, encoding: .utf8), file: path)
            #expect(c.symbolGroupNames == ["crypto", "forex", "indices", "metals"], "\(brand)")
            #expect(c.partners != nil, "\(brand)")
            let connection = try #require(c.platforms?.first?.id)
            #expect(c.symbolGroup(of: "XAUUSD", connectionID: connection) == "metals")
            #expect(c.symbolGroup(of: "BTCUSD", connectionID: connection) == "crypto")
        }
    }
}
