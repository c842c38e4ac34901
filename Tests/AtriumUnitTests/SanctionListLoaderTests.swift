@testable import AtriumCompliance
import Foundation
import Testing

/// The shipped synthetic samples under ops/lists, read from the checkout.
enum ListSamples {
    static func ofac(_ name: String) throws -> ListFile {
        let path = RepositoryPaths.root + "/ops/lists/ofac/" + name
        return ListFile(name: name, data: try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static var ofacFiles: [ListFile] {
        get throws { try ["sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"].map(ofac) }
    }

    static var un: ListFile {
        get throws {
            ListFile(name: "consolidated.xml", data: try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.root + "/ops/lists/un/consolidated.xml")))
        }
    }

    /// The file cut at `fraction` of its bytes, inside a row or element.
    static func cut(_ file: ListFile, at bytes: Int) -> ListFile {
        ListFile(name: file.name, data: file.data.prefix(bytes))
    }
}

@Suite("Sanctions list loaders on the synthetic samples: OFAC legacy CSV and UN consolidated XML")
struct SanctionListLoaderTests {
    @Test("OFAC sample: 60 entries, 66 aliases (16 weak), ent_num 10001's DOBs, POB, countries, IDs, programs, aliases and comment")
    func ofacSample() throws {
        let list = try OFACLoader.parse(try ListSamples.ofacFiles)
        #expect(list.source == .ofac)
        #expect(list.entries.count == 60)
        #expect(list.aliasCount == 66)
        #expect(list.entries.flatMap(\.aliases).filter { !$0.strong }.count == 16)
        #expect(list.publishedAt == nil)
        let e = try #require(list.entries.first { $0.sourceRef == "10001" })
        #expect(e.kind == "individual")
        #expect(e.primaryName == "ZHAROVSKY, Oleg Vadimovich")
        #expect(e.programs == ["RUSSIA-EO14024", "CYBER2"])
        #expect(e.datesOfBirth == [.exact(year: 1963, month: 7, day: 28), .year(1964)])
        #expect(e.placesOfBirth == ["Samara, Russia"])
        #expect(e.countries == ["RU", "CY"])
        #expect(e.identifiers == [ListIdentifier(type: "Passport", number: "7100123456", country: "RU"),
                                  ListIdentifier(type: "National ID", number: "5501998877", country: "RU")])
        #expect(e.aliases == [.init(name: "ZHAROVSKIY, Oleg", strong: true), .init(name: "JAROVSKI, Oleg Vadimovich", strong: true),
                              .init(name: "OLEG THE ACCOUNTANT", strong: false)])
        #expect(e.remarks.hasSuffix("Gender Male. Linked To: VOLGA AMBER TRADING OOO."))
        let vessel = try #require(list.entries.first { $0.sourceRef == "10005" })
        #expect(vessel.kind == "vessel")
        #expect(vessel.countries == ["KP"])
        #expect(vessel.identifiers == [ListIdentifier(type: "IMO", number: "9123456", country: nil)])
        let company = try #require(list.entries.first { $0.sourceRef == "10004" })
        #expect(company.kind == "entity")
        #expect(company.countries == ["RU"])
        #expect(company.aliases.map(\.name) == ["VOLGA AMBER TRADING LIMITED LIABILITY COMPANY", "OOO VOLGA-AMBER"])
        let range = try #require(list.entries.first { $0.sourceRef == "10003" })
        #expect(range.datesOfBirth == [.years(from: 1960, to: 1965)])
    }

    @Test("UN sample: 39 individuals and 16 entities, 48 aliases (2 Low), DATAID 6900001 in full, dateGenerated as the publication date")
    func unSample() throws {
        let list = try UNListLoader.parse(try ListSamples.un)
        #expect(list.source == .un)
        #expect(list.entries.count == 55)
        #expect(list.entries.filter { $0.kind == "individual" }.count == 39)
        #expect(list.entries.filter { $0.kind == "entity" }.count == 16)
        #expect(list.aliasCount == 48)
        #expect(list.entries.flatMap(\.aliases).filter { !$0.strong }.count == 2)
        #expect(abs((list.publishedAt?.timeIntervalSince1970 ?? 0) - 1_796_061_604.713) < 0.002)
        let e = try #require(list.entries.first { $0.sourceRef == "6900001" })
        #expect(e.primaryName == "OLEG VADIMOVICH ZHAROVSKY")
        #expect(e.programs == ["DPRK"])
        #expect(e.datesOfBirth == [.exact(year: 1963, month: 7, day: 28), .years(from: 1962, to: 1964)])
        #expect(e.placesOfBirth == ["Samara, Russian Federation"])
        #expect(e.countries == ["RU"])
        #expect(e.identifiers == [ListIdentifier(type: "Passport", number: "7100123456", country: "RU")])
        #expect(e.aliases == [.init(name: "Oleg Zharovskiy", strong: true), .init(name: "Oleg Jarovski", strong: true),
                              .init(name: "The Accountant", strong: false)])
        let approx = try #require(list.entries.first { $0.sourceRef == "6900002" })
        #expect(approx.datesOfBirth == [.year(1971)])
        #expect(approx.countries == ["SY"])
        let entity = try #require(list.entries.first { $0.sourceRef == "6900007" })
        #expect(entity.kind == "entity")
        #expect(entity.countries == ["AE"])
        #expect(entity.aliases == [.init(name: "Caspian Meridian Shipping LLC", strong: true)])
    }

    @Test("sdn.csv cut in the middle of row 30 is refused naming sdn.csv and line 30")
    func truncatedCSV() throws {
        var files = try ListSamples.ofacFiles
        let sdn = files[0]
        let text = String(decoding: sdn.data, as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        let upTo29 = lines.prefix(29).joined(separator: "\r\n") + "\r\n"
        let cut = upTo29.utf8.count + lines[29].utf8.count / 2
        files[0] = ListSamples.cut(sdn, at: cut)
        let error = try #require(throws: ListLoadError.self) { try OFACLoader.parse(files) }
        #expect(error.file == "sdn.csv")
        #expect(error.location == "line 30")
    }

    @Test("alt.csv cut inside the last row's quoted name (all columns seen) is refused as ending mid-row")
    func truncatedLastRow() throws {
        var files = try ListSamples.ofacFiles
        let alt = files[1]
        files[1] = ListSamples.cut(alt, at: alt.data.count - 8)
        let error = try #require(throws: ListLoadError.self) { try OFACLoader.parse(files) }
        #expect(error.file == "alt.csv")
        #expect(error.location == "line 66")
        #expect(error.problem.contains("truncated"))
    }

    @Test("OFAC refusals: an alias of a missing entry, a duplicate ent_num, an empty list, a missing file")
    func ofacRefusals() throws {
        var files = try ListSamples.ofacFiles
        files[1] = ListFile(name: "alt.csv", data: Data("10001,1,\"aka\",\"X\",\"-0-\"\r\n99999,2,\"aka\",\"NOBODY\",\"-0-\"\r\n".utf8))
        let orphan = try #require(throws: ListLoadError.self) { try OFACLoader.parse(files) }
        #expect(orphan.file == "alt.csv")
        #expect(orphan.location == "line 2")
        #expect(orphan.problem.contains("99999"))

        files = try ListSamples.ofacFiles
        let sdn = String(decoding: files[0].data, as: UTF8.self)
        let first = sdn.components(separatedBy: "\r\n")[0]
        files[0] = ListFile(name: "sdn.csv", data: Data((first + "\r\n" + first + "\r\n").utf8))
        files[1] = ListFile(name: "alt.csv", data: Data())
        files[2] = ListFile(name: "add.csv", data: Data())
        files.removeLast()
        let duplicate = try #require(throws: ListLoadError.self) { try OFACLoader.parse(files) }
        #expect(duplicate.location == "line 2")
        #expect(duplicate.problem == "duplicate ent_num 10001")

        files[0] = ListFile(name: "sdn.csv", data: Data("\u{1A}".utf8))
        let empty = try #require(throws: ListLoadError.self) { try OFACLoader.parse(files) }
        #expect(empty.problem == "the list has no entries")

        let missing = try #require(throws: ListLoadError.self) { try OFACLoader.parse(Array(try ListSamples.ofacFiles.prefix(2))) }
        #expect(missing.file == "add.csv")
    }

    @Test("consolidated.xml cut inside an element is refused naming the open element path")
    func truncatedXML() throws {
        let un = try ListSamples.un
        let text = String(decoding: un.data, as: UTF8.self)
        // Cut inside the third individual's first alias name.
        var searchFrom = text.startIndex
        for _ in 0..<3 { searchFrom = text.range(of: "<INDIVIDUAL>", range: searchFrom..<text.endIndex)!.upperBound }
        let alias = text.range(of: "<ALIAS_NAME>", range: searchFrom..<text.endIndex)!.upperBound
        let bytes = text[..<alias].utf8.count + 3
        let error = try #require(throws: ListLoadError.self) { try UNListLoader.parse(ListSamples.cut(un, at: bytes)) }
        #expect(error.file == "consolidated.xml")
        #expect(error.location == "CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL[3]/INDIVIDUAL_ALIAS[1]/ALIAS_NAME")
    }

    @Test("UN refusals: a broken tag names its element, a missing DATAID, a duplicate DATAID, an empty list")
    func unRefusals() throws {
        func parse(_ xml: String) throws -> ListLoadError {
            try #require(throws: ListLoadError.self) { try UNListLoader.parse(ListFile(name: "un.xml", data: Data(xml.utf8))) }
        }
        let head = "<?xml version=\"1.0\"?><CONSOLIDATED_LIST dateGenerated=\"2026-01-01T00:00:00Z\"><INDIVIDUALS>"
        let one = "<INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>A</FIRST_NAME></INDIVIDUAL>"
        let broken = try parse(head + one + "<INDIVIDUAL><DATAID>2</DATAID><FIRST_NAME>B</SECOND_NAME></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>")
        #expect(broken.location == "CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL[2]/FIRST_NAME")
        let noID = try parse(head + one + "<INDIVIDUAL><FIRST_NAME>B</FIRST_NAME></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>")
        #expect(noID.location == "CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL[2]/DATAID")
        let duplicate = try parse(head + one + one + "</INDIVIDUALS></CONSOLIDATED_LIST>")
        #expect(duplicate.location == "CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL[2]/DATAID")
        #expect(duplicate.problem == "duplicate DATAID 1")
        let empty = try parse(head + "</INDIVIDUALS><ENTITIES/></CONSOLIDATED_LIST>")
        #expect(empty.problem == "the list has no entries")
    }

    @Test("the entry checksum changes with any listed fact and not otherwise")
    func checksum() throws {
        let list = try OFACLoader.parse(try ListSamples.ofacFiles)
        let again = try OFACLoader.parse(try ListSamples.ofacFiles)
        #expect(list.entries.map(\.checksum) == again.entries.map(\.checksum))
        #expect(list.checksum == again.checksum)
        var changed = list.entries[0]
        changed.aliases.append(.init(name: "NEW ALIAS", strong: true))
        #expect(changed.checksum != list.entries[0].checksum)
    }
}
