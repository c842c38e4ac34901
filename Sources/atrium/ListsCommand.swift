import ArgumentParser
import AtriumCompliance
import Foundation

/// `atrium lists load --source ofac|un PATH…`: loads a sanctions list as the new current version.
struct ListsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lists", abstract: "Sanctions and PEP lists (platform reference data).",
                                                    subcommands: [Load.self, Current.self])

    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load OFAC legacy CSV (sdn.csv alt.csv add.csv [sdn_comments.csv]) or one UN consolidated XML as a new version.")
        @Option(help: "ofac or un.") var source: String
        @Option(help: "Publication date (YYYY-MM-DD) for OFAC CSV, which states none; the UN file's dateGenerated is used otherwise.")
        var published: String?
        @Argument(help: "The list files.") var paths: [String]

        func run() async throws {
            try await Runtime.guarded {
                let list = try ListFiles.parse(source: source, paths: paths, published: published)
                try await Runtime.run { s in
                    let started = ContinuousClock.now
                    let version = try await SanctionListStore.store(list, actor: "cli", database: s.database)
                    let took = started.duration(to: .now)
                    // The servers' job workers rescreen every brand (their index reloads for the new version).
                    let brands = try await s.screening.rescreenAll(version: version.id, database: s.database, jobs: s.jobs, reloadIndex: false)
                    let date = version.publishedAt.map { $0.formatted(.iso8601) } ?? "not stated"
                    say("\(version.source.rawValue) version \(version.id.uuidString.lowercased()) is current: published \(date), "
                        + "\(version.entries) entries, \(version.aliases) aliases (stored in \(took.formatted(.units(allowed: [.milliseconds])))); "
                        + "rescreen queued for \(brands) brand(s)")
                }
            }
        }
    }
}

/// Reads and parses list files named on the command line; errors name the file and line or element.
enum ListFiles {
    static func parse(source: String, paths: [String], published: String?) throws -> ParsedList {
        guard let kind = ListSource(rawValue: source) else { throw CLIError(description: "--source: expected ofac or un, got \"\(source)\"") }
        var files: [ListFile] = []
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else { throw CLIError(description: "\(path): cannot read the file") }
            files.append(ListFile(name: path, data: data))
        }
        var list: ParsedList
        switch kind {
        case .ofac:
            list = try OFACLoader.parse(files)
        case .un:
            guard files.count == 1, let file = files.first else { throw CLIError(description: "--source un takes exactly one XML file") }
            list = try UNListLoader.parse(file)
        }
        if let published {
            let day = ISO8601DateFormatter()
            day.formatOptions = [.withFullDate]
            guard let date = day.date(from: published) else { throw CLIError(description: "--published: expected YYYY-MM-DD, got \"\(published)\"") }
            list.publishedAt = date
        }
        return list
    }
}

extension ListsCommand {
    /// `atrium lists current`: reads the current versions as the matcher's index does, and how long it took.
    struct Current: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Read the current list versions back (as the matcher does), with counts and time.")
        func run() async throws {
            try await Runtime.guarded {
                try await Runtime.run { s in
                    let started = ContinuousClock.now
                    let entries = try await SanctionListStore.current(s.database)
                    let took = started.duration(to: .now)
                    for source in ListSource.allCases {
                        let mine = entries.filter { $0.source == source.rawValue }
                        say("\(source.rawValue): \(mine.count) entries, \(mine.reduce(0) { $0 + $1.aliases.count }) aliases")
                    }
                    say("read in \(took.formatted(.units(allowed: [.milliseconds])))")
                }
            }
        }
    }
}
