import AtriumStorage
import Foundation
import PostgresNIO

/// The onboarding funnel of the clients who registered in the range: registered → email
/// verified → KYC approved (a Compliance or rules `approved` decision) → funded (a `deposit`
/// transfer into their wallet in the ledger), each step counted whenever it happened.
public enum FunnelReport {
    /// The four step counts; each is a subset of the one before it in practice, not by construction.
    public struct Funnel: Sendable, Equatable {
        public let registered: Int
        public let verified: Int
        public let approved: Int
        public let funded: Int

        public init(registered: Int, verified: Int, approved: Int, funded: Int) {
            (self.registered, self.verified, self.approved, self.funded) = (registered, verified, approved, funded)
        }

        /// The steps in order, with their keys (`registered`, `verified`, `approved`, `funded`).
        public var steps: [(key: String, count: Int)] {
            [("registered", registered), ("verified", verified), ("approved", approved), ("funded", funded)]
        }
    }

    /// The statement `query` runs, for benchmarks and EXPLAIN.
    public static func sql(_ range: ReportRange) -> PostgresQuery {
        """
            SELECT count(*)::int,
                   count(*) FILTER (WHERE u.email_verified_at IS NOT NULL)::int,
                   -- uncorrelated, so approved clients are hashed once rather than looked up per registration
                   count(*) FILTER (WHERE u.id IN (SELECT d.user_id FROM kyc_decisions d WHERE d.outcome = 'approved'))::int,
                   count(*) FILTER (WHERE EXISTS (
                       SELECT 1 FROM ledger_accounts a JOIN ledger_transfers t ON t.credit_account_id = a.id
                       WHERE a.owner_id = u.id AND a.kind = 'wallet' AND t.code = 'deposit' AND t.kind = 'posted'))::int
            FROM users u
            WHERE u.audience = 'trader' AND u.created_at >= \(range.from) AND u.created_at < \(range.to)
              AND (\(range.country)::text IS NULL OR u.country = \(range.country))
            """
    }

    /// The funnel of the range's registration cohort.
    public static func query(_ range: ReportRange, in tx: TenantTransaction) async throws -> Funnel {
        let rows = try await tx.query(sql(range)).collect()
        guard let row = rows.first else { return Funnel(registered: 0, verified: 0, approved: 0, funded: 0) }
        let (r, v, a, f) = try row.decode((Int, Int, Int, Int).self)
        return Funnel(registered: r, verified: v, approved: a, funded: f)
    }

    /// A step as a share of registrations, in basis points (10000 = 100 %); 0 with no registrations.
    public static func basisPoints(_ count: Int, of total: Int) -> Int {
        total == 0 ? 0 : count * 10_000 / total
    }

    /// `step,clients,share_of_registered_percent`.
    public static func csv(_ funnel: Funnel) -> String {
        var csv = ReportCSV(header: ["step", "clients", "percent_of_registered"])
        for step in funnel.steps {
            csv.row([step.key, "\(step.count)", percent(basisPoints(step.count, of: funnel.registered))])
        }
        return csv.output
    }

    /// `12.34` from 1234 basis points (truncated, never rounded up).
    public static func percent(_ basisPoints: Int) -> String {
        "\(basisPoints / 100).\(String(format: "%02d", basisPoints % 100))"
    }
}
