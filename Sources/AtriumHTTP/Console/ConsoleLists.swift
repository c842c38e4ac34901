import AtriumCompliance
import Foundation
import Hummingbird

/// `/lists` on the ops host: upload a sanctions list (OFAC legacy CSV files or one UN consolidated XML)
/// as a new version, and see each source's versions with their dates and counts. Operators only.
struct ConsoleLists: Sendable {
    let services: AppServices
    var pages: Pages { Pages(services: services) }
    /// OFAC's four files together are a few MB; the limit leaves room for growth.
    static let maxUpload = 64 * 1024 * 1024

    func page(_ req: Request, _ ctx: OperatorRequestContext, notice: String? = nil, error: (field: String, message: String)? = nil,
              status: HTTPResponse.Status = .ok) async throws -> Response {
        let versions = try await SanctionListStore.versions(services.database)
        let formatter = ISO8601DateFormatter()
        var extra: [String: Any] = [
            "operator": ["email": ctx.operatorUser.email], "user": ["email": ctx.operatorUser.email, "name": ctx.operatorUser.email],
            "sources": ListSource.allCases.map { source in
                [
                    "source": source.rawValue,
                    "versions": versions.filter { $0.source == source }.map { v in
                        var row: [String: Any] = ["id": v.id.uuidString.lowercased(), "loaded": formatter.string(from: v.loadedAt), "by": v.loadedBy,
                                                  "entries": v.entries, "aliases": v.aliases, "current": v.status == "current", "status": v.status,
                                                  "checksum": String(v.checksum.prefix(12))]
                        // Absent, not empty: the template shows "not stated" for OFAC CSV, which carries no date.
                        if let published = v.publishedAt { row["published"] = formatter.string(from: published) }
                        return row
                    },
                ] as [String: Any]
            },
        ]
        if let notice { extra["notice"] = notice }
        if let error {
            extra["error"] = error.message
            extra["errorField"] = error.field
        }
        return try pages.render("ops/lists", title: "console_lists_title", request: req, context: ctx, extra: extra, status: status)
    }

    /// Parses every uploaded file before anything is stored; a refusal names the file and line or element.
    func upload(_ req: Request, _ ctx: OperatorRequestContext) async throws -> Response {
        let t = pages.strings(req, ctx)
        let parts = try await Forms.readMultipart(req, maxBytes: Self.maxUpload, csrf: services.csrf, strings: t,
                                                  tooLarge: RequestRejected(status: 413, publicMessage: t["console_lists_too_large"] ?? "The upload is too large."))
        let sourceText = parts.first { $0.name == "source" && $0.fileName == nil }?.text?.trimmingCharacters(in: .whitespaces) ?? ""
        guard let source = ListSource(rawValue: sourceText) else {
            return try await page(req, ctx, error: ("source", t["console_lists_error_source"] ?? "Choose OFAC or UN."), status: .badRequest)
        }
        let files = parts.filter { $0.name == "files" && $0.fileName != nil && !$0.data.isEmpty }
            .map { ListFile(name: ($0.fileName ?? "") as String, data: Data($0.data)) }
        guard !files.isEmpty else {
            return try await page(req, ctx, error: ("files", t["console_lists_error_files"] ?? "Choose the list files."), status: .badRequest)
        }
        let list: ParsedList
        do {
            switch source {
            case .ofac: list = try OFACLoader.parse(files)
            case .un:
                guard files.count == 1, let file = files.first else {
                    return try await page(req, ctx, error: ("files", t["console_lists_error_un_one"] ?? "A UN load takes one XML file."), status: .badRequest)
                }
                list = try UNListLoader.parse(file)
            }
        } catch let error as ListLoadError {
            return try await page(req, ctx, error: ("files", error.description), status: .unprocessableContent)
        }
        let version = try await SanctionListStore.store(list, actor: "operator:\(ctx.operatorUser.email)", requestID: ctx.requestID,
                                                        database: services.database)
        let brands = try await services.screening.rescreenAll(version: version.id, database: services.database, jobs: services.jobs)
        let notice = (t["console_lists_loaded"] ?? "Loaded.") + " \(version.source.rawValue): \(version.entries) / \(version.aliases); "
            + (t["console_lists_rescreen_queued"] ?? "rescreen queued for brands:") + " \(brands)"
        return try await page(req, ctx, notice: notice, status: .created)
    }
}
