import AtriumStorage
import Foundation

/// Why a client is being screened; stored on each hit (`screening_hits.trigger`).
public enum ScreeningTrigger: String, Sendable, CaseIterable {
    case registration, profile, kyc, rescreen, manual
}

/// Screening in the flow: holds the current in-memory index over the sanctions lists and screens
/// clients against it, writing `screening_hits` (tenant migration 0024). The index is built by an
/// injected builder (the list store's `NameMatchIndex` in production) and replaced whenever a new
/// list version is loaded, so every screening uses one consistent set of versions.
public final class Screening: Sendable {
    /// Builds an index over the current list versions.
    public typealias IndexBuilder = @Sendable () async throws -> any ScreeningIndex

    let cache: IndexCache

    /// A service whose index comes from `builder`, built on first use and after `reload()`.
    public init(builder: @escaping IndexBuilder) {
        cache = IndexCache(builder: builder)
    }

    /// A service with no lists loaded: every client screens clear until an index is installed.
    public static func unloaded() -> Screening { Screening { EmptyScreeningIndex() } }

    /// The current index (built on first use).
    public func index() async throws -> any ScreeningIndex { try await cache.current() }

    /// Rebuilds the index from the builder (after a new list version is loaded).
    public func reload() async throws { try await cache.rebuild() }

    /// Replaces the index with one built elsewhere.
    public func install(_ index: any ScreeningIndex) async { await cache.install(index) }

    /// Screens one client in the caller's tenant transaction and records what it finds. Entries the
    /// reviewer dismissed for this client (same checksum) are skipped; an entry that already has an open
    /// hit for this client is not recorded twice. When nothing is found, the client's open hits are
    /// marked superseded (the name or the lists changed). Returns the client's open hits afterwards.
    @discardableResult
    public func screen(client: UUID, threshold: Double, trigger: ScreeningTrigger, in tx: TenantTransaction) async throws -> [ScreeningHit] {
        // One screening of a client at a time (a rescreen job on two servers, or registration racing a
        // rescreen): the second waits here and then sees the first one's open hits, so none is recorded twice.
        try await tx.query("SELECT 1 FROM users WHERE id = \(client) FOR UPDATE")
        guard let subject = try await ScreeningQueries.subject(client: client, in: tx) else { return [] }
        let index = try await cache.current()
        let matches = index.matches(for: subject, threshold: threshold)
        let dismissed = try await ScreeningQueries.dismissals(client: client, in: tx)
        let open = try await ScreeningQueries.hits(client: client, statuses: ["open"], in: tx)
        var inserted = 0
        for match in matches {
            let key = "\(match.entry.source)/\(match.entry.ref)"
            if dismissed[key] == match.entry.checksum { continue }
            if open.contains(where: { "\($0.source)/\($0.entryRef)" == key && $0.entryChecksum == match.entry.checksum }) { continue }
            try await ScreeningQueries.insertHit(client: client, match: match, trigger: trigger, in: tx)
            inserted += 1
        }
        // A new hit outside KYC submission sends the client to the review queue; at submission the
        // KYC decision itself records the reason.
        if inserted > 0 && trigger != .kyc { try await ScreeningQueries.flagForReview(client: client, in: tx) }
        // Open hits whose entry no longer matches (or changed) are superseded by this screening.
        for hit in open where !matches.contains(where: { $0.entry.ref == hit.entryRef && $0.entry.source == hit.source && $0.entry.checksum == hit.entryChecksum }) {
            try await tx.query("UPDATE screening_hits SET status = 'superseded' WHERE id = \(hit.id) AND status = 'open'")
        }
        return try await ScreeningQueries.hits(client: client, statuses: ["open"], in: tx)
    }
}

/// Holds the current index. Concurrent callers share one build (the actor is re-entrant while the
/// builder awaits, so without the shared task every waiting request would start its own build).
actor IndexCache {
    let builder: Screening.IndexBuilder
    var index: (any ScreeningIndex)?
    var building: Task<any ScreeningIndex, any Error>?

    init(builder: @escaping Screening.IndexBuilder) { self.builder = builder }

    func current() async throws -> any ScreeningIndex {
        if let index { return index }
        return try await build()
    }

    func rebuild() async throws { index = nil; _ = try await build() }

    private func build() async throws -> any ScreeningIndex {
        if let building { return try await building.value }
        let task = Task { try await builder() }
        building = task
        defer { building = nil }
        let built = try await task.value
        index = built
        return built
    }

    func install(_ new: any ScreeningIndex) { index = new }
}

/// The index before any list is loaded: no versions, no matches.
public struct EmptyScreeningIndex: ScreeningIndex {
    public init() {}
    public var versions: [String: UUID] { [:] }
    public func matches(for subject: ScreeningSubject, threshold: Double) -> [ScreeningMatch] { [] }
}
