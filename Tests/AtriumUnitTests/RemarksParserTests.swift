@testable import AtriumCompliance
import Testing

@Suite("OFAC Remarks parsing: dates and places of birth, nationality, identity documents")
struct RemarksParserTests {
    @Test("every DOB form OFAC writes", arguments: [
        ("28 Jul 1963", BirthDate.exact(year: 1963, month: 7, day: 28)),
        ("1963", .year(1963)),
        ("circa 1963", .year(1963)),
        ("Jul 1963", .year(1963)),
        ("1960 to 1965", .years(from: 1960, to: 1965)),
        ("circa 1960 - 1965", .years(from: 1960, to: 1965)),
    ])
    func dateForms(_ text: String, _ expected: BirthDate) {
        #expect(RemarksParser.birthDate(text) == expected)
    }

    @Test("impossible or unreadable dates are not guessed", arguments: ["31 Feb 1970", "1965 to 1960", "sometime in 1970s", "12 Foo 1970", "63"])
    func unreadable(_ text: String) {
        #expect(RemarksParser.birthDate(text) == nil)
    }

    @Test("a whole Remarks field: several DOBs, the POB, nationality and citizenship as ISO codes, passport and national ID")
    func wholeField() {
        let r = RemarksParser.parse("DOB 28 Jul 1963; alt. DOB 1964; alt. DOB circa 1960 to 1962; POB Samara, Russia; nationality Russia; "
                                    + "citizenship Cyprus; Passport 7100123456 (Russia) expires 2030; National ID No. 5501998877 (Russia); Gender Male.")
        #expect(r.datesOfBirth == [.exact(year: 1963, month: 7, day: 28), .year(1964), .years(from: 1960, to: 1962)])
        #expect(r.placesOfBirth == ["Samara, Russia"])
        #expect(r.countries == ["RU", "CY"])
        #expect(r.identifiers == [ListIdentifier(type: "Passport", number: "7100123456", country: "RU"),
                                  ListIdentifier(type: "National ID", number: "5501998877", country: "RU")])
        #expect(r.unreadDates.isEmpty)
    }

    @Test("list spellings of countries map to ISO codes: Korea, North; Iran (Islamic Republic of); Russian Federation; Syrian Arab Republic")
    func countrySpellings() {
        #expect(ListCountries.code(for: "Korea, North") == "KP")
        #expect(ListCountries.code(for: "Democratic People's Republic of Korea") == "KP")
        #expect(ListCountries.code(for: "Iran (Islamic Republic of)") == "IR")
        #expect(ListCountries.code(for: "Russian Federation") == "RU")
        #expect(ListCountries.code(for: "Syrian Arab Republic") == "SY")
        #expect(ListCountries.code(for: "Türkiye") == "TR")
        #expect(ListCountries.code(for: "the Netherlands") == "NL")
        #expect(ListCountries.code(for: "Atlantis") == nil)
    }

    @Test("a vessel's IMO number, a tax ID without country, and an unread DOB kept aside")
    func otherFacts() {
        let r = RemarksParser.parse("Vessel Registration Identification IMO 9123456; Tax ID No. 7701234567; DOB in the 1970s; Linked To: X.")
        #expect(r.identifiers == [ListIdentifier(type: "IMO", number: "9123456", country: nil),
                                  ListIdentifier(type: "Tax ID", number: "7701234567", country: nil)])
        #expect(r.unreadDates == ["in the 1970s"])
        #expect(r.datesOfBirth.isEmpty)
    }
}
