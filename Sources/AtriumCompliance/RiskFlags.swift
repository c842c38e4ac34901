import AtriumCore
import AtriumStorage
import Foundation
import PostgresNIO

/// Trading risk flags computed from the synced platform deals (`platform_deals`, tenant 0015) of
/// one brand and stored in `risk_flags` (tenant 0024). Every flag has a fingerprint, so a re-run
/// over the same deals adds nothing. See docs/COMPLIANCE-RISK.md, "Trading risk flags".
public enum RiskFlags {
    /// Runs the three detectors over the brand's deals and stores new flags; returns how many were added.
    @discardableResult
    public static func run(params: RiskFlagParams = RiskFlagParams(), now: Date = Date(), in tx: TenantTransaction) async throws -> Int {
        let sinceMsc = Int64(now.timeIntervalSince1970 * 1000) - params.windowDays * 86_400_000
        var added = 0
        added += try await latency(params: params, sinceMsc: sinceMsc, in: tx)
        added += try await hedging(sinceMsc: sinceMsc, horizon: sinceMsc - params.windowDays * 86_400_000, in: tx)
        added += try await abnormalSize(params: params, sinceMsc: sinceMsc, in: tx)
        return added
    }

    /// Clients whose closed positions in the window were mostly held under `shortHoldSeconds`.
    /// While an open latency flag exists for a client no second one is raised: it is one finding
    /// until Compliance reviews it.
    static func latency(params: RiskFlagParams, sinceMsc: Int64, in tx: TenantTransaction) async throws -> Int {
        let holdMsc = params.shortHoldSeconds * 1000
        // Deals older than one more window cannot open a position that closes in the window short.
        let horizon = sinceMsc - params.windowDays * 86_400_000
        let rows = try await tx.query("""
            WITH pos AS (
                SELECT a.user_id, d.connection_id, d.position_id,
                       min(d.time_msc) FILTER (WHERE d.entry = 'in') AS opened,
                       max(d.time_msc) FILTER (WHERE d.entry IN ('out', 'out_by')) AS closed
                FROM platform_deals d JOIN trading_accounts a ON a.id = d.account_id
                WHERE d.status <> 'cancelled' AND d.time_msc >= \(horizon)
                GROUP BY 1, 2, 3)
            SELECT user_id, count(*)::int, (count(*) FILTER (WHERE closed - opened < \(holdMsc)))::int, max(closed)
            FROM pos WHERE opened IS NOT NULL AND closed IS NOT NULL AND closed >= \(sinceMsc)
            GROUP BY user_id HAVING count(*) >= \(params.minPositions)
            """).collect()
        var added = 0
        for row in rows {
            let (client, total, short, newest) = try row.decode((UUID, Int, Int, Int64).self)
            let share = short * 10_000 / total
            guard share >= params.shortShareBasisPoints else { continue }
            let facts = LatencyFacts(closedPositions: total, shortPositions: short, shortShareBasisPoints: share,
                                     shortHoldSeconds: params.shortHoldSeconds, windowDays: params.windowDays, newestCloseMsc: newest)
            added += try await insert(client: client, kind: .latencyArbitrage, facts: CanonicalJSON.text(facts),
                                      fingerprint: "latency_arbitrage:\(lower(client)):\(newest)", onePerClient: true, in: tx)
        }
        return added
    }

    /// Opposite positions on one symbol, open at the same time, on accounts of two different
    /// clients who share an IP address (sessions or payments) or a device (the same IP and user
    /// agent). No payment instrument (card fingerprint, IBAN) is stored, so that link cannot be checked.
    /// Only deals after `horizon` (one window before the window) are read, so the pass stays
    /// bounded; a position opened earlier than that is not matched.
    static func hedging(sinceMsc: Int64, horizon: Int64, in tx: TenantTransaction) async throws -> Int {
        let rows = try await tx.query("""
            WITH pos AS (
                SELECT a.user_id, d.connection_id, d.position_id, d.symbol,
                       (array_agg(d.side ORDER BY d.time_msc, d.deal) FILTER (WHERE d.entry = 'in'))[1] AS side,
                       min(d.time_msc) FILTER (WHERE d.entry = 'in') AS opened,
                       max(d.time_msc) FILTER (WHERE d.entry IN ('out', 'out_by')) AS closed
                FROM platform_deals d JOIN trading_accounts a ON a.id = d.account_id
                WHERE d.status <> 'cancelled' AND d.time_msc >= \(horizon)
                GROUP BY 1, 2, 3, 4),
            seen AS (
                SELECT user_id, ip, user_agent FROM sessions WHERE ip <> ''
                UNION SELECT user_id, ip, user_agent FROM payments WHERE ip <> ''),
            marks AS (
                SELECT DISTINCT user_id, 'ip:' || ip AS mark FROM seen
                UNION SELECT user_id, 'device:' || ip || ' ' || user_agent FROM seen WHERE user_agent <> ''),
            related AS (
                SELECT m1.user_id AS a, m2.user_id AS b, array_agg(DISTINCT m1.mark ORDER BY m1.mark) AS shared
                FROM marks m1 JOIN marks m2 ON m1.mark = m2.mark AND m1.user_id <> m2.user_id
                GROUP BY 1, 2)
            SELECT p1.user_id, p1.connection_id, p1.position_id, p1.side, p1.symbol,
                   p2.user_id, p2.connection_id, p2.position_id, p2.side, r.shared, greatest(p1.opened, p2.opened)
            FROM pos p1
            JOIN pos p2 ON p2.symbol = p1.symbol AND p2.side <> p1.side AND p2.user_id <> p1.user_id
            JOIN related r ON r.a = p1.user_id AND r.b = p2.user_id
            WHERE p1.opened IS NOT NULL AND p2.opened IS NOT NULL
              AND p1.opened < coalesce(p2.closed, 9223372036854775807) AND p2.opened < coalesce(p1.closed, 9223372036854775807)
              AND greatest(p1.opened, p2.opened) >= \(sinceMsc)
            ORDER BY 11, 3
            """).collect()
        var added = 0
        for row in rows {
            let (client, connection, position, side, symbol, other, otherConnection, otherPosition, otherSide, shared, from) =
                try row.decode((UUID, String, Int64, String, String, UUID, String, Int64, String, [String], Int64).self)
            let facts = HedgingFacts(symbol: symbol, position: position, side: side, otherClient: lower(other), otherPosition: otherPosition,
                                     otherSide: otherSide, shared: shared, overlapFromMsc: from)
            added += try await insert(client: client, kind: .relatedHedging, facts: CanonicalJSON.text(facts),
                                      fingerprint: "related_hedging:\(connection):\(position):\(otherConnection):\(otherPosition)", in: tx)
        }
        return added
    }

    /// Opening deals whose volume is more than `sizeMultiple` × the median of the client's
    /// previous `sizeHistory` opening deals (at least `sizeMinHistory` of them).
    static func abnormalSize(params: RiskFlagParams, sinceMsc: Int64, in tx: TenantTransaction) async throws -> Int {
        let rows = try await tx.query("""
            SELECT a.user_id, d.connection_id, d.deal, d.symbol, d.volume_ext, h.median, h.n
            FROM platform_deals d JOIN trading_accounts a ON a.id = d.account_id
            CROSS JOIN LATERAL (
                SELECT (percentile_disc(0.5) WITHIN GROUP (ORDER BY p.volume_ext))::bigint AS median, count(*)::int AS n
                FROM (SELECT p.volume_ext FROM platform_deals p JOIN trading_accounts pa ON pa.id = p.account_id
                      WHERE pa.user_id = a.user_id AND p.entry IN ('in', 'inout') AND p.status <> 'cancelled'
                        AND (p.time_msc, p.deal) < (d.time_msc, d.deal)
                      ORDER BY p.time_msc DESC, p.deal DESC LIMIT \(params.sizeHistory)) p) h
            WHERE d.entry IN ('in', 'inout') AND d.status <> 'cancelled' AND d.time_msc >= \(sinceMsc)
              AND h.n >= \(params.sizeMinHistory) AND d.volume_ext > \(params.sizeMultiple) * h.median
            ORDER BY d.time_msc, d.deal
            """).collect()
        var added = 0
        for row in rows {
            let (client, connection, deal, symbol, volume, median, n) = try row.decode((UUID, String, Int64, String, Int64, Int64, Int).self)
            let facts = SizeFacts(deal: deal, symbol: symbol, volumeExt: volume, medianVolumeExt: median, historyDeals: n, multiple: params.sizeMultiple)
            added += try await insert(client: client, kind: .abnormalSize, facts: CanonicalJSON.text(facts),
                                      fingerprint: "abnormal_size:\(connection):\(deal)", in: tx)
        }
        return added
    }

    static func insert(client: UUID, kind: RiskFlagKind, facts: String, fingerprint: String, onePerClient: Bool = false,
                       in tx: TenantTransaction) async throws -> Int {
        let rows = try await tx.query("""
            INSERT INTO risk_flags (client_id, kind, facts, fingerprint)
            SELECT \(client), \(kind.rawValue), \(facts)::jsonb, \(fingerprint)
            WHERE NOT \(onePerClient) OR NOT EXISTS (
                SELECT 1 FROM risk_flags WHERE client_id = \(client) AND kind = \(kind.rawValue) AND status = 'open')
            ON CONFLICT (fingerprint) DO NOTHING RETURNING id
            """).collect()
        return rows.count
    }

    /// Open flags of the given clients, newest first. The IB commission engine's abuse checks can
    /// read this (docs/COMMISSIONS.md); it does not change any flag.
    public static func open(for clients: [UUID], in tx: TenantTransaction) async throws -> [RiskFlag] {
        guard !clients.isEmpty else { return [] }
        return try await tx.query("""
            SELECT id, client_id, kind, facts::text, status, reviewed_by, reviewed_at, created_at FROM risk_flags
            WHERE client_id = ANY(\(clients)) AND status = 'open' ORDER BY created_at DESC, id
            """).collect().map(flag)
    }

    /// Every flag of one client, newest first (the client page).
    public static func of(client: UUID, in tx: TenantTransaction) async throws -> [RiskFlag] {
        try await tx.query("""
            SELECT id, client_id, kind, facts::text, status, reviewed_by, reviewed_at, created_at FROM risk_flags
            WHERE client_id = \(client) ORDER BY created_at DESC, id
            """).collect().map(flag)
    }

    /// The risk queue: open flags first, then the most recently reviewed, at most `limit`.
    public static func queue(limit: Int = 200, in tx: TenantTransaction) async throws -> [RiskFlag] {
        let rows = try await tx.query("""
            SELECT id, client_id, kind, facts::text, status, reviewed_by, reviewed_at, created_at FROM risk_flags
            ORDER BY (status = 'open') DESC, coalesce(reviewed_at, created_at) DESC, id LIMIT \(limit)
            """).collect()
        return try rows.map(flag)
    }

    /// Marks an open flag reviewed, audited (`risk_flag.reviewed`). False when there is no such open flag.
    public static func markReviewed(_ id: UUID, actor: String, requestID: String, in tx: TenantTransaction) async throws -> Bool {
        let rows = try await tx.query("""
            UPDATE risk_flags SET status = 'reviewed', reviewed_by = \(actor), reviewed_at = now()
            WHERE id = \(id) AND status = 'open' RETURNING client_id, kind
            """).collect()
        guard let (client, kind) = try rows.first?.decode((UUID, String).self) else { return false }
        try await AuditLog.append(AuditEntry(actor: actor, action: "risk_flag.reviewed", subject: "client:\(lower(client))",
                                             before: CanonicalJSON.object(["flag": lower(id), "kind": kind, "status": "open"]),
                                             after: CanonicalJSON.object(["flag": lower(id), "kind": kind, "status": "reviewed"]),
                                             requestID: requestID), in: tx)
        return true
    }

    static func flag(_ row: PostgresRow) throws -> RiskFlag {
        let (id, client, kind, facts, status, by, at, created) = try row.decode((UUID, UUID, String, String, String, String?, Date?, Date).self)
        guard let k = RiskFlagKind(rawValue: kind) else { throw CorruptValue(kind: "risk_flag_kind", table: "risk_flags", id: lower(id), value: kind) }
        return RiskFlag(id: id, client: client, kind: k, facts: facts, status: status, reviewedBy: by, reviewedAt: at, createdAt: created)
    }

    static func lower(_ id: UUID) -> String { id.uuidString.lowercased() }
}
