import Foundation

/// What the Back Office client list is narrowed to; nil means "any". Built from the query string
/// by `init(query:)`, which refuses anything it does not recognise, naming the field.
public struct ClientFilter: Sendable, Equatable {
    /// KYC statuses a client can have (`users.kyc_status`).
    public static let kycStatuses = ["not_started", "submitted", "approved", "rejected", "more_documents"]
    /// Longest search text accepted.
    public static let maxQuery = 100

    /// Name, email, platform login, referral code, or an IB's referral code or email.
    public var query: String?
    public var kycStatus: String?
    /// ISO 3166 alpha-2, upper case.
    public var country: String?
    /// Only clients assigned to this staff member.
    public var agent: UUID?
    /// An IB's referral code or email: only clients currently attributed to that IB.
    public var ib: String?
    /// true: a succeeded deposit exists; false: none does.
    public var funded: Bool?
    /// Registered on or after this day (UTC midnight).
    public var from: Date?
    /// Registered before this instant (the day after the `to` date, UTC midnight).
    public var until: Date?

    /// An empty filter: every client in scope.
    public init(query: String? = nil, kycStatus: String? = nil, country: String? = nil, agent: UUID? = nil, ib: String? = nil,
                funded: Bool? = nil, from: Date? = nil, until: Date? = nil) {
        self.query = query
        self.kycStatus = kycStatus
        self.country = country
        self.agent = agent
        self.ib = ib
        self.funded = funded
        self.from = from
        self.until = until
    }

    /// Parses the list's query parameters (`q`, `kyc`, `country`, `agent`, `ib`, `funded`, `from`, `to`);
    /// empty values mean "any". Throws `ClientError.invalid(field:)` for the first bad one.
    public init(query p: [String: String]) throws {
        func value(_ key: String) -> String? {
            let v = (p[key] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            return v.isEmpty ? nil : v
        }
        self.init()
        if let q = value("q") {
            guard q.count <= Self.maxQuery, !q.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw ClientError.invalid(field: "q")
            }
            query = q
        }
        if let k = value("kyc") {
            guard Self.kycStatuses.contains(k) else { throw ClientError.invalid(field: "kyc") }
            kycStatus = k
        }
        if let c = value("country")?.uppercased() {
            guard c.count == 2, c.unicodeScalars.allSatisfy({ $0.value >= 65 && $0.value <= 90 }) else { throw ClientError.invalid(field: "country") }
            country = c
        }
        if let a = value("agent") {
            guard let id = UUID(uuidString: a) else { throw ClientError.invalid(field: "agent") }
            agent = id
        }
        if let i = value("ib") {
            guard i.count <= 254 else { throw ClientError.invalid(field: "ib") }
            ib = i
        }
        switch value("funded") {
        case nil: break
        case "yes": funded = true
        case "no": funded = false
        default: throw ClientError.invalid(field: "funded")
        }
        if let f = value("from") {
            guard let day = Self.day(f) else { throw ClientError.invalid(field: "from") }
            from = day
        }
        if let t = value("to") {
            guard let day = Self.day(t) else { throw ClientError.invalid(field: "to") }
            until = day.addingTimeInterval(86_400)
        }
        if let from, let until, until <= from { throw ClientError.invalid(field: "to") }
    }

    /// `yyyy-MM-dd` as UTC midnight; nil for anything else (including impossible dates).
    static func day(_ text: String) -> Date? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1900...2999).contains(y) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .gmt
        let components = DateComponents(year: y, month: m, day: d)
        guard components.isValidDate(in: calendar), let date = calendar.date(from: components) else { return nil }
        return date
    }

    /// The filter as query parameters (for the next-page and CSV links); empty ones are left out.
    public var parameters: [(String, String)] {
        var out: [(String, String)] = []
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        if let query { out.append(("q", query)) }
        if let kycStatus { out.append(("kyc", kycStatus)) }
        if let country { out.append(("country", country)) }
        if let agent { out.append(("agent", agent.uuidString.lowercased())) }
        if let ib { out.append(("ib", ib)) }
        if let funded { out.append(("funded", funded ? "yes" : "no")) }
        if let from { out.append(("from", f.string(from: from))) }
        if let until { out.append(("to", f.string(from: until.addingTimeInterval(-86_400)))) }
        return out
    }
}
