import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
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
        } catch let error as DecodingError {
            if let syntax = XMLDiagnosis.locate(file.data) {
                throw ListLoadError(file: file.name, location: syntax.location, problem: syntax.problem)
            }
            throw ListLoadError(file: file.name, location: path(of: error), problem: problem(of: error))
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
        for key in context.codingPath + tail.map(PathKey.init) {
            if let index = key.intValue, !parts.isEmpty { parts[parts.count - 1] += "[\(index + 1)]" } else { parts.append(key.stringValue) }
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

/// Finds where an XML document stops being well-formed: the open element path and the line.
enum XMLDiagnosis {
    struct Failure {
        let location: String
        let problem: String
    }

    static func locate(_ data: Data) -> Failure? {
        let parser = XMLParser(data: data)
        let tracker = Tracker()
        parser.delegate = tracker
        guard !parser.parse() else { return nil }
        let path = tracker.stack.map { Tracker.indexed($0.name) || $0.count > 1 ? "\($0.name)[\($0.count)]" : $0.name }.joined(separator: "/")
        let reason = parser.parserError.map { ($0 as NSError).localizedDescription } ?? "malformed XML"
        let problem = tracker.stack.isEmpty ? "not well-formed XML at line \(parser.lineNumber) (\(reason))"
            : "not well-formed XML at line \(parser.lineNumber): element not closed or broken (truncated or malformed)"
        return Failure(location: path.isEmpty ? "line \(parser.lineNumber)" : path, problem: problem)
    }

    /// Open elements, each with its position among same-named siblings.
    fileprivate final class Tracker: NSObject, XMLParserDelegate {
        struct Open {
            let name: String
            let count: Int
            var children: [String: Int] = [:]
        }
        var stack: [Open] = []

        /// Repeated elements always carry their position, as decoding error paths do.
        static func indexed(_ name: String) -> Bool {
            name == "INDIVIDUAL" || name == "ENTITY" || name.hasPrefix("INDIVIDUAL_") || name.hasPrefix("ENTITY_")
        }

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            var n = 1
            if !stack.isEmpty {
                n = (stack[stack.count - 1].children[elementName] ?? 0) + 1
                stack[stack.count - 1].children[elementName] = n
            }
            stack.append(Open(name: elementName, count: n))
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            if !stack.isEmpty { stack.removeLast() }
        }
    }
}
