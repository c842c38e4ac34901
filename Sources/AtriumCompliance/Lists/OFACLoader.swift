import AtriumCore
import CSV
import Foundation

/// A list file given to a loader: its name (to report errors and tell the OFAC files apart) and bytes.
public struct ListFile: Sendable, Equatable {
    public let name: String
    public let data: Data
    public init(name: String, data: Data) {
        self.name = name
        self.data = data
    }
}

/// Reads the OFAC SDN legacy CSV files: no header row, `-0-` for null.
///
/// - `sdn.csv`: ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks
/// - `alt.csv`: ent_num, alt_num, alt_type, alt_name, alt_remarks
/// - `add.csv`: ent_num, add_num, address, city/state/postal, country, add_remarks
/// - `sdn_comments.csv` (optional): ent_num, remarks continuation
///
/// Every row must have its full column count and the file must end with a line end, so a file cut
/// mid-row is refused with the line that failed.
public enum OFACLoader {
    /// The files a load needs, by lowercased base name.
    public static let required = ["sdn.csv", "alt.csv", "add.csv"]
    public static let optional = ["sdn_comments.csv"]

    /// Parses the 3–4 files (told apart by name) into one list.
    public static func parse(_ files: [ListFile]) throws -> ParsedList {
        var byName: [String: ListFile] = [:]
        for file in files {
            let base = (file.name as NSString).lastPathComponent.lowercased()
            guard required.contains(base) || optional.contains(base) else {
                throw ListLoadError(file: file.name, location: "", problem: "not an OFAC legacy CSV file (expected sdn.csv, alt.csv, add.csv, sdn_comments.csv)")
            }
            guard byName[base] == nil else { throw ListLoadError(file: file.name, location: "", problem: "given twice") }
            byName[base] = file
        }
        for name in required where byName[name] == nil {
            throw ListLoadError(file: name, location: "", problem: "missing (an OFAC load takes sdn.csv, alt.csv and add.csv)")
        }
        guard let sdnFile = byName["sdn.csv"], let altFile = byName["alt.csv"], let addFile = byName["add.csv"] else {
            throw ListLoadError(file: "sdn.csv", location: "", problem: "missing")
        }

        var entries: [ParsedEntry] = []
        var position: [String: Int] = [:]
        var vesselFlags: [Int: String?] = [:]
        for row in try rows(sdnFile, columns: 12) {
            let f = row.fields
            guard let ref = entNum(f[0]) else { throw row.error("ent_num \"\(f[0])\" is not a number") }
            guard position[ref] == nil else { throw row.error("duplicate ent_num \(ref)") }
            let name = value(f[1])
            guard !name.isEmpty else { throw row.error("SDN_Name is empty") }
            var entry = ParsedEntry(sourceRef: ref, kind: kind(value(f[2])), primaryName: name)
            entry.programs = programs(value(f[3]))
            entry.remarks = value(f[11])
            position[ref] = entries.count
            vesselFlags[entries.count] = value(f[9]).isEmpty ? nil : ListCountries.code(for: value(f[9]))
            entries.append(entry)
        }
        guard !entries.isEmpty else { throw ListLoadError(file: sdnFile.name, location: "", problem: "the list has no entries") }

        if let commentsFile = byName["sdn_comments.csv"] {
            for row in try rows(commentsFile, columns: 2) {
                guard let ref = entNum(row.fields[0]), let i = position[ref] else {
                    throw row.error("comment for ent_num \(row.fields[0]), which sdn.csv does not list")
                }
                let more = value(row.fields[1])
                entries[i].remarks = entries[i].remarks.isEmpty ? more : entries[i].remarks + " " + more
            }
        }
        // Nationality and citizenship first, then a vessel's flag, then address countries.
        for i in entries.indices {
            let remarks = RemarksParser.parse(entries[i].remarks)
            entries[i].datesOfBirth = remarks.datesOfBirth
            entries[i].placesOfBirth = remarks.placesOfBirth
            entries[i].identifiers = remarks.identifiers
            for code in remarks.countries { entries[i].addCountry(code) }
            if let flag = vesselFlags[i] { entries[i].addCountry(flag) }
        }
        for row in try rows(altFile, columns: 5) {
            let f = row.fields
            guard let ref = entNum(f[0]), let i = position[ref] else { throw row.error("alias for ent_num \(f[0]), which sdn.csv does not list") }
            let name = value(f[3])
            guard !name.isEmpty else { throw row.error("alt_name is empty") }
            // The legacy CSV has no quality column; OFAC marks weak a.k.a.s in the alias remarks.
            let weak = value(f[4]).lowercased().contains("weak")
            entries[i].aliases.append(ListEntry.Alias(name: name, strong: !weak))
        }
        for row in try rows(addFile, columns: 6) {
            let f = row.fields
            guard let ref = entNum(f[0]), let i = position[ref] else { throw row.error("address for ent_num \(f[0]), which sdn.csv does not list") }
            if !value(f[4]).isEmpty { entries[i].addCountry(ListCountries.code(for: value(f[4]))) }
        }
        let digest = [sdnFile, altFile, addFile].map(\.data) + (byName["sdn_comments.csv"].map { [$0.data] } ?? [])
        return ParsedList(source: .ofac, publishedAt: nil, entries: entries, checksum: checksum(digest))
    }

    /// A CSV row with the line it starts on.
    struct Row {
        let file: String
        let line: Int
        let fields: [String]
        func error(_ problem: String) -> ListLoadError { ListLoadError(file: file, location: "line \(line)", problem: problem) }
    }

    /// All rows of a file, each with exactly `columns` fields.
    static func rows(_ file: ListFile, columns: Int) throws -> [Row] {
        // OFAC publishes Windows-1252 text; UTF-8 is accepted too.
        guard var text = String(data: file.data, encoding: .utf8) ?? String(data: file.data, encoding: .windowsCP1252) else {
            throw ListLoadError(file: file.name, location: "", problem: "not readable as text")
        }
        // The files end with a DOS end-of-file character (0x1A) after the last line end.
        while let last = text.unicodeScalars.last, last == "\u{1A}" || last == " " { text.unicodeScalars.removeLast() }
        guard !text.isEmpty else { return [] }
        let reader: CSVReader
        do {
            reader = try CSVReader(string: text, hasHeaderRow: false)
        } catch {
            throw ListLoadError(file: file.name, location: "line 1", problem: "not CSV")
        }
        var out: [Row] = []
        var line = 1
        while let fields = reader.next() {
            defer { line += 1 + fields.reduce(0) { $0 + $1.reduce(0) { $1 == "\n" || $1 == "\r\n" ? $0 + 1 : $0 } } }
            if fields == [""] { continue }
            guard fields.count == columns else {
                throw ListLoadError(file: file.name, location: "line \(line)",
                                    problem: "\(fields.count) columns where \(columns) were expected (truncated or malformed row)")
            }
            out.append(Row(file: file.name, line: line, fields: fields))
        }
        if let error = reader.error {
            throw ListLoadError(file: file.name, location: "line \(line)", problem: "unreadable (\(error))")
        }
        // A file cut inside its last row still parses into full-looking fields; only the missing line end shows it.
        if let last = text.last, last != "\n", last != "\r\n", last != "\r" {
            throw ListLoadError(file: file.name, location: "line \(max(1, line - 1))", problem: "the file ends mid-row (truncated)")
        }
        return out
    }

    static func value(_ raw: String) -> String {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed == "-0-" ? "" : trimmed
    }

    static func entNum(_ raw: String) -> String? {
        let v = value(raw)
        guard let n = Int(v), n > 0 else { return nil }
        return String(n)
    }

    static func kind(_ type: String) -> String {
        switch type.lowercased() {
        case "individual": "individual"
        case "vessel": "vessel"
        case "aircraft": "aircraft"
        default: "entity"
        }
    }

    /// `SDGT] [IRGC` → [SDGT, IRGC] (several programs share the column in brackets).
    static func programs(_ raw: String) -> [String] {
        raw.components(separatedBy: CharacterSet(charactersIn: "[]"))
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }

    static func checksum(_ parts: [Data]) -> String {
        var all = Data()
        for part in parts { all.append(part) }
        return Token.hex(Token.digest(String(decoding: all, as: UTF8.self)))
    }
}
