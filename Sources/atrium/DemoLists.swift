import AtriumCompliance
import AtriumHTTP
import Foundation

/// The demo loads the synthetic sanctions samples (ops/lists) when no version of a list is loaded yet,
/// so screening has something to match; a version loaded by hand or in the console is kept.
enum DemoLists {
    static let directory = "ops/lists"

    static func loadSamplesIfNone(services: AppServices) async throws -> [String] {
        let loaded = Set(try await SanctionListStore.versions(services.database).filter { $0.status == "current" }.map(\.source))
        var lines: [String] = []
        for source in ListSource.allCases where !loaded.contains(source) {
            let paths = switch source {
            case .ofac: ["sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"].map { "\(directory)/ofac/\($0)" }
            case .un: ["\(directory)/un/consolidated.xml"]
            }
            guard paths.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) else { continue }
            let list = try ListFiles.parse(source: source.rawValue, paths: paths, published: nil)
            let version = try await SanctionListStore.store(list, actor: "demo", database: services.database)
            try await services.screening.rescreenAll(version: version.id, database: services.database, jobs: services.jobs)
            lines.append("sanctions list \(source.rawValue): sample loaded (\(version.entries) entries, \(version.aliases) aliases)")
        }
        return lines
    }
}
