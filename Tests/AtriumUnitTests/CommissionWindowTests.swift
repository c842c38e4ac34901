import AtriumCore
import AtriumPartners
import Foundation
import Testing

@Suite("Recalculation window of whole UTC days")
struct CommissionWindowTests {
    @Test("--from and --to are whole UTC days, --to included")
    func parses() throws {
        let w = try CommissionWindow.parse(from: "2026-11-01", to: "2026-11-30")
        #expect(w.from.timeIntervalSince1970 == 1_793_491_200)       // 2026-11-01T00:00:00Z
        #expect(w.until.timeIntervalSince1970 == 1_796_083_200)      // 2026-12-01T00:00:00Z
    }

    @Test("a bad day names the option", arguments: [
        ("2026-13-01", "2026-11-30", "from"), ("yesterday", "2026-11-30", "from"), ("2026-11-01", "2026-02-30", "to"),
        ("2026-11-02", "2026-11-01", "to"),
    ])
    func rejects(from: String, to: String, field: String) {
        let error = #expect(throws: InputError.self) { try CommissionWindow.parse(from: from, to: to) }
        #expect(error?.field == field)
    }
}
