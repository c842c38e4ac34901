import AtriumPartners
import Foundation
import Testing

/// When a staff move or reassignment takes effect: never in the past, so history is not rewritten.
@Suite("Effective dates of IB moves and reassignments")
struct EffectiveDateTests {
    static let now = ISO8601DateFormatter().date(from: "2026-03-15T10:30:00Z")!

    @Test("today is now; a later day is its midnight UTC")
    func accepted() throws {
        #expect(try EffectiveDate.instant("2026-03-15", now: Self.now) == Self.now)
        #expect(try EffectiveDate.instant(" 2026-03-16 ", now: Self.now) == ISO8601DateFormatter().date(from: "2026-03-16T00:00:00Z"))
        #expect(try EffectiveDate.instant("2028-02-29", now: Self.now) == ISO8601DateFormatter().date(from: "2028-02-29T00:00:00Z"))
    }

    @Test("a past day, an impossible day, another format or nothing is refused naming the field")
    func refused() {
        #expect(throws: PartnerError.invalid(field: "effective_date", reason: .inPast)) { try EffectiveDate.instant("2026-03-14", now: Self.now) }
        #expect(throws: PartnerError.invalid(field: "effective_date", reason: .invalid)) { try EffectiveDate.instant("2026-02-30", now: Self.now) }
        #expect(throws: PartnerError.invalid(field: "effective_date", reason: .invalid)) { try EffectiveDate.instant("2027-02-29", now: Self.now) }
        #expect(throws: PartnerError.invalid(field: "effective_date", reason: .invalid)) { try EffectiveDate.instant("15/03/2026", now: Self.now) }
        #expect(throws: PartnerError.invalid(field: "effective_date", reason: .required)) { try EffectiveDate.instant("", now: Self.now) }
        #expect(throws: PartnerError.invalid(field: "when", reason: .inPast)) { try EffectiveDate.instant("2020-01-01", now: Self.now, field: "when") }
    }

    @Test("each refusal is a 4xx whose message names the field")
    func statuses() {
        #expect(PartnerError.invalid(field: "parent", reason: .cycle).status == 422)
        #expect(PartnerError.invalid(field: "email", reason: .pendingApplication).status == 409)
        #expect(PartnerError.invalid(field: "effective_date", reason: .invalid).status == 400)
        #expect(PartnerError.invalid(field: "parent", reason: .cycle).publicMessage == "parent: network_error_cycle")
    }
}
