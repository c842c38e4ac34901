/// The CSV every report export is written with (RFC 4180: every field quoted, quotes doubled,
/// CRLF line ends). Text a person typed (names, emails) is prefixed with `'` when it starts like a
/// spreadsheet formula, so opening an export never runs one.
public struct ReportCSV: Sendable {
    private(set) var text: String

    /// Starts a file with its header row.
    public init(header: [String]) {
        text = ""
        row(header)
    }

    /// Appends one row of already-formatted fields.
    public mutating func row(_ fields: [String]) {
        text += fields.map(Self.field).joined(separator: ",") + "\r\n"
    }

    /// The finished file.
    public var output: String { text }

    /// Makes a typed value safe to open in a spreadsheet (used for names and emails).
    public static func plain(_ value: String) -> String {
        guard let first = value.first, "=+-@\t\r".contains(first) else { return value }
        return "'" + value
    }

    static func field(_ value: String) -> String {
        "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
