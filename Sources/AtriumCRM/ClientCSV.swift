import Foundation

/// The client list as CSV (RFC 4180: every field quoted, quotes doubled, CRLF line ends). A cell
/// that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading apostrophe, so a
/// spreadsheet shows a client's chosen name as text instead of running it as a formula.
public enum ClientCSV {
    /// The header line.
    public static let header = line(["id", "name", "email", "country", "kyc_status", "registered_at", "referral_code", "agent", "ib", "funded"])

    /// One client's line.
    public static func line(_ row: ClientRow) -> String {
        line([row.id.uuidString.lowercased(), row.name, row.email, row.country, row.kycStatus, iso(row.createdAt),
              row.referralCode ?? "", row.agentEmail ?? "", row.ibEmail ?? "", row.funded ? "yes" : "no"])
    }

    /// Fields joined into one CSV line.
    public static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }

    /// One quoted, injection-safe cell.
    public static func field(_ value: String) -> String {
        var v = value
        if let first = v.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { v = "'" + v }
        return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func iso(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }
}
