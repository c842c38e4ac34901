import AtriumCompliance
import Foundation

/// The health page's "Sanctions rescreens" section: progress of each brand's rescreen after a list load.
enum ConsoleRescreens {
    static func rows(_ services: AppServices) async throws -> [[String: Any]] {
        let formatter = ISO8601DateFormatter()
        return try await Screening.runs(database: services.database).map { r in
            ["brand": r.tenantSlug, "version": String(r.version.uuidString.lowercased().prefix(8)), "total": r.total, "done": r.done,
             "hits": r.hits, "started": formatter.string(from: r.startedAt), "finished": r.finishedAt.map { formatter.string(from: $0) } ?? false as Any]
        }
    }
}
