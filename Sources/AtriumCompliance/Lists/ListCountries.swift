import AtriumCore
import Foundation

/// Maps the country names the lists use ("Korea, North", "Iran (Islamic Republic of)", "Russian Federation")
/// to ISO 3166-1 alpha-2 codes. The registration table (`ISOCountries.registration`) is the base; the lists
/// also name countries no broker registers clients from, and spell others their own way.
public enum ListCountries {
    /// Countries the lists name that are not on the registration forms.
    static let beyondRegistration: [String: String] = [
        "AF": "Afghanistan", "AL": "Albania", "DZ": "Algeria", "AO": "Angola", "AM": "Armenia", "AZ": "Azerbaijan",
        "BD": "Bangladesh", "BY": "Belarus", "BA": "Bosnia and Herzegovina", "BI": "Burundi", "KH": "Cambodia",
        "CF": "Central African Republic", "TD": "Chad", "CD": "Democratic Republic of the Congo", "CG": "Congo",
        "CU": "Cuba", "ER": "Eritrea", "ET": "Ethiopia", "GE": "Georgia", "GH": "Ghana", "GN": "Guinea",
        "GW": "Guinea-Bissau", "HT": "Haiti", "IQ": "Iraq", "CI": "Cote d'Ivoire", "KG": "Kyrgyzstan", "LA": "Laos",
        "LR": "Liberia", "LY": "Libya", "MK": "North Macedonia", "ML": "Mali", "MR": "Mauritania", "MD": "Moldova",
        "ME": "Montenegro", "MM": "Burma", "MZ": "Mozambique", "NI": "Nicaragua", "NE": "Niger", "PA": "Panama",
        "PS": "Palestinian Territories", "RU": "Russia", "RW": "Rwanda", "SN": "Senegal", "SL": "Sierra Leone",
        "SO": "Somalia", "SS": "South Sudan", "LK": "Sri Lanka", "SD": "Sudan", "TJ": "Tajikistan", "TZ": "Tanzania",
        "TM": "Turkmenistan", "UG": "Uganda", "UZ": "Uzbekistan", "VE": "Venezuela", "YE": "Yemen", "ZW": "Zimbabwe",
        "ZM": "Zambia", "BO": "Bolivia", "EC": "Ecuador", "VG": "British Virgin Islands", "KY": "Cayman Islands",
        "MH": "Marshall Islands", "LI": "Liechtenstein", "MC": "Monaco", "TG": "Togo", "BF": "Burkina Faso",
        "CM": "Cameroon", "BJ": "Benin", "BZ": "Belize", "BS": "Bahamas", "SC": "Seychelles", "MV": "Maldives",
        "NP": "Nepal", "MN": "Mongolia", "CR": "Costa Rica", "GT": "Guatemala", "HN": "Honduras", "SV": "El Salvador",
        "DO": "Dominican Republic", "JM": "Jamaica", "TT": "Trinidad and Tobago", "PY": "Paraguay", "KM": "Comoros",
        "DJ": "Djibouti", "GA": "Gabon", "GQ": "Equatorial Guinea", "MG": "Madagascar", "MW": "Malawi", "NA": "Namibia",
        "BW": "Botswana", "CV": "Cabo Verde", "GM": "Gambia", "VU": "Vanuatu", "PG": "Papua New Guinea",
        "TL": "Timor-Leste", "BN": "Brunei", "XK": "Kosovo",
    ]

    /// Other spellings used by OFAC and the UN.
    static let synonyms: [String: String] = [
        "korea, north": "KP", "democratic people's republic of korea": "KP", "korea, democratic people's republic of": "KP",
        "korea, south": "KR", "republic of korea": "KR", "iran (islamic republic of)": "IR", "iran, islamic republic of": "IR",
        "russian federation": "RU", "syrian arab republic": "SY", "united states of america": "US", "usa": "US",
        "united kingdom of great britain and northern ireland": "GB", "uk": "GB", "turkey": "TR", "turkiye": "TR",
        "viet nam": "VN", "lao people's democratic republic": "LA", "myanmar": "MM", "burma": "MM",
        "congo, democratic republic of the": "CD", "democratic republic of the congo": "CD", "republic of the congo": "CG",
        "venezuela (bolivarian republic of)": "VE", "bolivia (plurinational state of)": "BO", "republic of moldova": "MD",
        "united republic of tanzania": "TZ", "state of palestine": "PS", "west bank": "PS", "gaza": "PS",
        "ivory coast": "CI", "cote d'ivoire": "CI", "the former yugoslav republic of macedonia": "MK", "macedonia": "MK",
        "czech republic": "CZ", "u.a.e.": "AE", "uae": "AE", "hong kong sar": "HK", "china, hong kong": "HK",
    ]

    /// Folded name → code over both tables and the synonyms.
    private static let index: [String: String] = {
        var map: [String: String] = [:]
        for (code, name) in ISOCountries.registration.merging(beyondRegistration, uniquingKeysWith: { a, _ in a }) {
            map[fold(name)] = code
        }
        for (name, code) in synonyms { map[fold(name)] = code }
        return map
    }()

    /// The alpha-2 code for a country name as a list writes it, or nil when unknown.
    public static func code(for name: String) -> String? {
        let folded = fold(name)
        guard !folded.isEmpty else { return nil }
        if let code = index[folded] { return code }
        // "the Netherlands", "Iran." — the article and trailing punctuation are not part of the name.
        var trimmed = folded
        if trimmed.hasPrefix("the ") { trimmed.removeFirst(4) }
        trimmed = trimmed.trimmingCharacters(in: CharacterSet(charactersIn: ".;, "))
        return index[trimmed]
    }

    /// Lowercased, diacritics folded, apostrophes unified, whitespace collapsed.
    static func fold(_ s: String) -> String {
        s.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: Locale(identifier: "en_US_POSIX"))
            .replacingOccurrences(of: "’", with: "'")
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
