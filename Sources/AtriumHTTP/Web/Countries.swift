import AtriumCore

/// ISO 3166-1 alpha-2 codes offered on registration forms; the table lives in AtriumCore (`ISOCountries`)
/// because the sanctions list loaders map list country names with it too.
enum Countries {
    static let all: [String: String] = ISOCountries.registration
}
