import Foundation
import XMLCoder

/// Reads the UN Security Council consolidated list XML: `INDIVIDUALS/INDIVIDUAL` and `ENTITIES/ENTITY`,
/// their aliases (`QUALITY` Good → strong, Low → weak), dates and places of birth, documents, nationality
/// and address countries. The root's `dateGenerated` is the publication date. A malformed or truncated
/// file is refused with the element path (and line) where it failed.
public enum UNListLoader {
    /// Parses one consolidated list file.
    public static func parse(_ file: ListFile) throws -> ParsedList {
        let list: UNConsolidatedList
        do {
            let decoder = XMLDecoder()
            decoder.trimValueWhitespaces = true
            list = try decoder.decode(UNConsolidatedList.self, from: file.data)
        } catch {
            // XMLCoder passes the XML parser's own error through when the text is not well-formed;
            // a second pass with the parser finds the element that was open.
            if let syntax = XMLDiagnosis.locate(file.data) {
                throw ListLoadError(file: file.name, location: syntax.location, problem: syntax.problem)
            }
            if let decoding = error as? DecodingError {
                throw ListLoadError(file: file.name, location: path(of: decoding), problem: problem(of: decoding))
            }
            throw ListLoadError(file: file.name, location: "CONSOLIDATED_LIST", problem: "not a UN consolidated list (\(error))")
        }
        guard list.individuals != nil || list.entities != nil else {
            throw ListLoadError(file: file.name, location: "CONSOLIDATED_LIST", problem: "neither INDIVIDUALS nor ENTITIES: not a UN consolidated list")
        }
        var entries: [ParsedEntry] = []
        var seen: Set<String> = []
        func checkID(_ raw: String, _ location: String) throws -> String {
            let id = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let n = Int(id), n > 0 else { throw ListLoadError(file: file.name, location: location, problem: "DATAID \"\(id)\" is not a number") }
            guard seen.insert(String(n)).inserted else { throw ListLoadError(file: file.name, location: location, problem: "duplicate DATAID \(n)") }
            return String(n)
        }
        for (i, person) in (list.individuals?.items ?? []).enumerated() {
            let location = "CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL[\(i + 1)]"
            let ref = try checkID(person.dataID, location + "/DATAID")
            let name = [person.firstName, person.secondName, person.thirdName, person.fourthName].compactMap(clean).joined(separator: " ")
            guard !name.isEmpty else { throw ListLoadError(file: file.name, location: location + "/FIRST_NAME", problem: "the individual has no name") }
            var entry = ParsedEntry(sourceRef: ref, kind: "individual", primaryName: name)
            entry.programs = clean(person.listType).map { [$0] } ?? []
            entry.remarks = clean(person.comments) ?? ""
            for nationality in person.nationality?.value ?? [] { entry.addCountry(ListCountries.code(for: nationality)) }
            for address in person.addresses ?? [] { entry.addCountry(clean(address.country).flatMap(ListCountries.code(for:))) }
            entry.aliases = aliases(person.aliases)
            entry.datesOfBirth = (person.datesOfBirth ?? []).compactMap(birthDate)
            entry.placesOfBirth = (person.placesOfBirth ?? []).compactMap { pob in
                let parts = [pob.city, pob.state, pob.country].compactMap(clean)
                return parts.isEmpty ? nil : parts.joined(separator: ", ")
            }
            entry.identifiers = (person.documents ?? []).compactMap { doc in
                guard let type = clean(doc.type), let number = clean(doc.number) else { return nil }
                return ListIdentifier(type: type, number: number,
                                      country: clean(doc.issuingCountry ?? doc.countryOfIssue).flatMap(ListCountries.code(for:)))
            }
            entries.append(entry)
        }
        for (i, entity) in (list.entities?.items ?? []).enumerated() {
            let location = "CONSOLIDATED_LIST/ENTITIES/ENTITY[\(i + 1)]"
            let ref = try checkID(entity.dataID, location + "/DATAID")
            guard let name = clean(entity.firstName) else { throw ListLoadError(file: file.name, location: location + "/FIRST_NAME", problem: "the entity has no name") }
            var entry = ParsedEntry(sourceRef: ref, kind: "entity", primaryName: name)
            entry.programs = clean(entity.listType).map { [$0] } ?? []
            entry.remarks = clean(entity.comments) ?? ""
            for address in entity.addresses ?? [] { entry.addCountry(clean(address.country).flatMap(ListCountries.code(for:))) }
            entry.aliases = aliases(entity.aliases)
            entries.append(entry)
        }
        guard !entries.isEmpty else { throw ListLoadError(file: file.name, location: "CONSOLIDATED_LIST", problem: "the list has no entries") }
        return ParsedList(source: .un, publishedAt: list.dateGenerated.flatMap(date), entries: entries,
                          checksum: OFACLoader.checksum([file.data]))
    }

    static func clean(_ s: String?) -> String? {
        guard let t = s?.trimmingCharacters(in: .whitespacesAndNewlines), !t.isEmpty else { return nil }
        return t
    }

    /// `Low` quality aliases are weak; `Good` (and the entity lists' `a.k.a.`) are strong.
    static func aliases(_ raw: [UNConsolidatedList.Alias]?) -> [ListEntry.Alias] {
        (raw ?? []).compactMap { alias in
            guard let name = clean(alias.name) else { return nil }
            return ListEntry.Alias(name: name, strong: clean(alias.quality)?.lowercased() != "low")
        }
    }

    /// EXACT (`DATE` or `YEAR`), APPROXIMATELY (`YEAR`), BETWEEN (`FROM_YEAR`–`TO_YEAR`).
    static func birthDate(_ d: UNConsolidatedList.DateOfBirth) -> BirthDate? {
        if clean(d.type)?.uppercased() == "BETWEEN" {
            guard let from = clean(d.fromYear).flatMap({ Int($0) }), let to = clean(d.toYear).flatMap({ Int($0) }), from <= to else { return nil }
            return .years(from: from, to: to)
        }
        if let date = clean(d.date) {
            let parts = date.prefix(10).split(separator: "-").compactMap { Int($0) }
            if parts.count == 3 { return .exact(year: parts[0], month: parts[1], day: parts[2]) }
        }
        return clean(d.year).flatMap { Int($0) }.map { .year($0) }
    }

    static func date(_ raw: String) -> Date? {
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = withFraction.date(from: raw) { return d }
        if let d = ISO8601DateFormatter().date(from: raw) { return d }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        return day.date(from: String(raw.prefix(10)))
    }

    /// `INDIVIDUALS/INDIVIDUAL[3]/DATAID` from a decoding error's coding path.
    static func path(of error: DecodingError) -> String {
        let context: DecodingError.Context
        var tail: [String] = []
        switch error {
        case let .keyNotFound(key, c): context = c; tail = [key.stringValue]
        case let .typeMismatch(_, c), let .valueNotFound(_, c), let .dataCorrupted(c): context = c
        @unknown default: return "CONSOLIDATED_LIST"
        }
        var parts = ["CONSOLIDATED_LIST"]
        // XMLCoder may repeat an array index or the missing key in its path; each is shown once.
        for key in context.codingPath + tail.map(PathKey.init) {
            if let index = key.intValue {
                if !(parts.last ?? "").hasSuffix("]") { parts[parts.count - 1] += "[\(index + 1)]" }
            } else if parts.last != key.stringValue {
                parts.append(key.stringValue)
            }
        }
        return parts.joined(separator: "/")
    }

    static func problem(of error: DecodingError) -> String {
        switch error {
        case let .keyNotFound(key, _): "required element \(key.stringValue) is missing"
        case .typeMismatch, .valueNotFound: "element has the wrong content"
        case .dataCorrupted: "not a well-formed UN consolidated list"
        @unknown default: "unreadable"
        }
    }

    private struct PathKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// Finds where an XML document stops being well-formed: the element path that was open and the line.
/// A tag scanner only (no values are read): the parser's own error on Linux carries no position, and
/// the loader must name the element that failed.
enum XMLDiagnosis {
    struct Failure {
        let location: String
        let problem: String
    }

    /// Open elements, each with its position among same-named siblings.
    private struct Open {
        let name: String
        let count: Int
        var children: [String: Int] = [:]
    }

    /// Repeated elements always carry their position, as decoding error paths do.
    static func indexed(_ name: String) -> Bool {
        name == "INDIVIDUAL" || name == "ENTITY" || name.hasPrefix("INDIVIDUAL_") || name.hasPrefix("ENTITY_")
    }

    static func locate(_ data: Data) -> Failure? {
        let bytes = [UInt8](data)
        var stack: [Open] = []
        var rootClosed = false
        var line = 1
        var i = 0
        func path() -> String {
            stack.map { indexed($0.name) || $0.count > 1 ? "\($0.name)[\($0.count)]" : $0.name }.joined(separator: "/")
        }
        func fail(_ problem: String) -> Failure {
            Failure(location: stack.isEmpty ? "line \(line)" : path(), problem: "not well-formed XML at line \(line): \(problem)")
        }
        func skip(past terminator: [UInt8]) -> Bool {
            while i + terminator.count <= bytes.count {
                if Array(bytes[i..<i + terminator.count]) == terminator { i += terminator.count; return true }
                if bytes[i] == 0x0A { line += 1 }
                i += 1
            }
            return false
        }
        while i < bytes.count {
            let c = bytes[i]
            if c == 0x0A { line += 1 }
            guard c == UInt8(ascii: "<") else { i += 1; continue }
            let rest = bytes[i...]
            if rest.starts(with: Array("<!--".utf8)) {
                guard skip(past: Array("-->".utf8)) else { return fail("comment not closed (truncated)") }
                continue
            }
            if rest.starts(with: Array("<![CDATA[".utf8)) {
                guard skip(past: Array("]]>".utf8)) else { return fail("CDATA not closed (truncated)") }
                continue
            }
            if rest.starts(with: Array("<?".utf8)) || rest.starts(with: Array("<!".utf8)) {
                guard skip(past: Array(">".utf8)) else { return fail("declaration not closed (truncated)") }
                continue
            }
            let tagStart = i
            guard skip(past: Array(">".utf8)) else { return fail("tag not closed (truncated)") }
            let tag = bytes[(tagStart + 1)..<(i - 1)]
            let closing = tag.first == UInt8(ascii: "/")
            let selfClosing = tag.last == UInt8(ascii: "/")
            let nameBytes = tag.drop { $0 == UInt8(ascii: "/") }.prefix { !($0 == 0x20 || $0 == 0x0A || $0 == 0x09 || $0 == 0x0D || $0 == UInt8(ascii: "/")) }
            let name = String(decoding: nameBytes, as: UTF8.self)
            guard !name.isEmpty else { return fail("empty tag") }
            if closing {
                guard let top = stack.last else { return fail("</\(name)> closes nothing") }
                guard top.name == name else { return fail("</\(name)> found where </\(top.name)> was expected") }
                stack.removeLast()
                if stack.isEmpty { rootClosed = true }
                continue
            }
            if rootClosed { return fail("content after the root element") }
            var n = 1
            if !stack.isEmpty {
                n = (stack[stack.count - 1].children[name] ?? 0) + 1
                stack[stack.count - 1].children[name] = n
            }
            if !selfClosing { stack.append(Open(name: name, count: n)) } else if stack.isEmpty { rootClosed = true }
        }
        if !stack.isEmpty { return fail("the file ends inside an element (truncated)") }
        if !rootClosed { return fail("no root element") }
        return nil
    }
}
