@testable import AtriumCompliance
import AtriumHTTP
import AtriumStorage
import Foundation
import PostgresNIO
import Testing

/// The shipped samples (ops/lists), read from the checkout.
enum ListSampleFiles {
    static func ofac() throws -> [ListFile] {
        try ["sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"].map { name in
            ListFile(name: name, data: try Data(contentsOf: URL(fileURLWithPath: TestCluster.repoRoot + "/ops/lists/ofac/" + name)))
        }
    }

    static func un() throws -> ListFile {
        ListFile(name: "consolidated.xml", data: try Data(contentsOf: URL(fileURLWithPath: TestCluster.repoRoot + "/ops/lists/un/consolidated.xml")))
    }

    static func count(_ s: AppServices, _ sql: String) async throws -> Int {
        try await s.database.platform { conn in
            try await conn.query(PostgresQuery(unsafeSQL: sql), logger: s.logger).collect().first?.decode(Int.self) ?? -1
        }
    }
}

@Suite("Sanctions lists stored in platform: versions, supersede, refusals leave the current version, the CLI", .serialized, .timeLimit(.minutes(3)))
struct SanctionListLoadTests {
    @Test("an OFAC and a UN load: version rows with counts and checksum, entries and aliases stored, audited, read back as ListEntry")
    func storeAndReadBack() async throws {
        try await TestEnv.with("listsstore") { s in
            let ofac = try await SanctionListStore.store(try OFACLoader.parse(try ListSampleFiles.ofac()), actor: "test", requestID: "req-1", database: s.database)
            let un = try await SanctionListStore.store(try UNListLoader.parse(try ListSampleFiles.un()), actor: "test", database: s.database)
            #expect(ofac.entries == 60 && ofac.aliases == 66 && ofac.status == "current")
            #expect(un.entries == 55 && un.aliases == 48)
            #expect(try await ListSampleFiles.count(s, "SELECT count(*)::int FROM platform.sanction_entries") == 115)
            #expect(try await ListSampleFiles.count(s, "SELECT count(*)::int FROM platform.sanction_aliases") == 114)
            #expect(try await ListSampleFiles.count(s, "SELECT count(*)::int FROM platform.audit_log WHERE action = 'sanction_list.loaded' AND request_id = 'req-1' AND subject = 'ofac'") == 1)
            let stored = try await SanctionListStore.versions(s.database)
            #expect(Set(stored.map(\.id)) == [ofac.id, un.id])
            #expect(stored.first { $0.id == un.id }?.publishedAt != nil)

            let entries = try await SanctionListStore.current(s.database)
            #expect(entries.count == 115)
            #expect(entries.reduce(0) { $0 + $1.aliases.count } == 114)
            let e = try #require(entries.first { $0.source == "ofac" && $0.ref == "10001" })
            #expect(e.versionID == ofac.id)
            #expect(e.datesOfBirth == [.exact(year: 1963, month: 7, day: 28), .year(1964)])
            #expect(e.countries == ["RU", "CY"])
            #expect(e.programs == ["RUSSIA-EO14024", "CYBER2"])
            #expect(e.aliases.map(\.name) == ["ZHAROVSKIY, Oleg", "JAROVSKI, Oleg Vadimovich", "OLEG THE ACCOUNTANT"])
            #expect(e.aliases.map(\.strong) == [true, true, false])
            let parsed = try #require(try OFACLoader.parse(try ListSampleFiles.ofac()).entries.first { $0.sourceRef == "10001" })
            #expect(e.checksum == parsed.checksum)
            let u = try #require(entries.first { $0.source == "un" && $0.ref == "6900003" })
            #expect(u.datesOfBirth == [.years(from: 1960, to: 1965)])
            #expect(u.countries == ["IR"])
        }
    }

    @Test("a second load supersedes the first: one current version per source, current() reads only the new one")
    func supersede() async throws {
        try await TestEnv.with("listssupersede") { s in
            let first = try await SanctionListStore.store(try OFACLoader.parse(try ListSampleFiles.ofac()), actor: "test", database: s.database)
            var files = try ListSampleFiles.ofac()
            // The second version lists one entry fewer: the second sdn.csv row, with its aliases, addresses and comments.
            let sdnLines = String(decoding: files[0].data, as: UTF8.self).components(separatedBy: "\r\n")
            let dropped = String(sdnLines[1].prefix { $0 != "," })
            func without(_ file: ListFile) -> ListFile {
                let lines = String(decoding: file.data, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.hasPrefix(dropped + ",") }
                return ListFile(name: file.name, data: Data(lines.joined(separator: "\r\n").utf8))
            }
            files = files.map(without)
            let second = try await SanctionListStore.store(try OFACLoader.parse(files), actor: "test", database: s.database)
            #expect(second.entries == 59)
            let versions = try await SanctionListStore.versions(s.database)
            #expect(versions.first { $0.id == first.id }?.status == "superseded")
            #expect(versions.first { $0.id == second.id }?.status == "current")
            let entries = try await SanctionListStore.current(s.database)
            #expect(entries.count == 59)
            #expect(Set(entries.map(\.versionID)) == [second.id])
            #expect(!entries.contains { $0.ref == dropped })
        }
    }

    @Test("a refused file writes nothing and the current version stays; a store failing mid-way rolls back everything")
    func refusalKeepsCurrent() async throws {
        try await TestEnv.with("listsrefuse") { s in
            let current = try await SanctionListStore.store(try OFACLoader.parse(try ListSampleFiles.ofac()), actor: "test", database: s.database)
            var files = try ListSampleFiles.ofac()
            files[0] = ListFile(name: "sdn.csv", data: files[0].data.prefix(files[0].data.count / 2))
            #expect(throws: ListLoadError.self) { try OFACLoader.parse(files) }
            // A list the database refuses half-way (an unknown kind on the last entry): the transaction rolls back.
            let good = try OFACLoader.parse(try ListSampleFiles.ofac())
            var entries = good.entries
            entries[entries.count - 1].kind = "submarine"
            let bad = ParsedList(source: .ofac, publishedAt: nil, entries: entries, checksum: "x")
            await #expect(throws: (any Error).self) { try await SanctionListStore.store(bad, actor: "test", database: s.database) }
            let versions = try await SanctionListStore.versions(s.database)
            #expect(versions.map(\.id) == [current.id])
            #expect(versions.first?.status == "current")
            #expect(try await ListSampleFiles.count(s, "SELECT count(*)::int FROM platform.sanction_entries") == 60)
            #expect(try await ListSampleFiles.count(s, "SELECT count(*)::int FROM platform.audit_log WHERE action = 'sanction_list.loaded'") == 1)
            #expect(try await SanctionListStore.current(s.database).count == 60)
        }
    }

    @Test("atrium lists load: prints version, publication date and counts; a truncated file exits 1 naming file and line, nothing stored")
    func cli() async throws {
        try await TestEnv.with("listscli") { s in
            var env: [String: String] = [
                "DATABASE_URL": try #require(s.config.databaseURL), "ATRIUM_HOME": s.config.home, "ATRIUM_ENV": "development",
                "ATRIUM_ROLE_PREFIX": s.config.rolePrefix, "ATRIUM_MIGRATIONS": TestCluster.repoRoot + "/migrations",
                "ATRIUM_TEMPLATES": TestCluster.repoRoot + "/templates", "ATRIUM_TENANTS": TestCluster.repoRoot + "/tenants",
            ]
            env["ATRIUM_POOL_SIZE"] = "2"
            let xml = TestCluster.repoRoot + "/ops/lists/un/consolidated.xml"
            let ok = try AtriumRun(["lists", "load", "--source", "un", xml], environment: env, log: s.config.home + "/lists-ok.log")
            #expect(await ok.exitStatus(within: 60) == 0)
            #expect(ok.output.contains("un version "))
            #expect(ok.output.contains("published 2026-11-30T18:00:04Z, 55 entries, 48 aliases"))

            let cut = s.config.home + "/cut.xml"
            let data = try Data(contentsOf: URL(fileURLWithPath: xml))
            try data.prefix(data.count - 40).write(to: URL(fileURLWithPath: cut))
            let bad = try AtriumRun(["lists", "load", "--source", "un", cut], environment: env, log: s.config.home + "/lists-bad.log")
            #expect(await bad.exitStatus(within: 60) == 1)
            #expect(bad.output.contains("error: \(cut), CONSOLIDATED_LIST/ENTITIES/ENTITY[16]"))

            let dir = TestCluster.repoRoot + "/ops/lists/ofac/"
            let sdnCut = s.config.home + "/sdn.csv"
            let sdn = try Data(contentsOf: URL(fileURLWithPath: dir + "sdn.csv"))
            try sdn.prefix(300).write(to: URL(fileURLWithPath: sdnCut))
            let badCSV = try AtriumRun(["lists", "load", "--source", "ofac", sdnCut, dir + "alt.csv", dir + "add.csv"], environment: env,
                                       log: s.config.home + "/lists-badcsv.log")
            #expect(await badCSV.exitStatus(within: 60) == 1)
            #expect(badCSV.output.contains("error: \(sdnCut), line 2:"))

            let versions = try await SanctionListStore.versions(s.database)
            #expect(versions.map(\.source) == [.un])
            #expect(try await ListSampleFiles.count(s, "SELECT count(*)::int FROM platform.sanction_entries") == 55)
        }
    }
}
