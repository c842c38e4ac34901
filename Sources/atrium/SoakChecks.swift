import AsyncHTTPClient
import AtriumCore
import AtriumHTTP
import Foundation
import PostgresNIO
import Synchronization

/// The brand API rate limit across servers: a burst past the limit through the proxy.
enum SoakRateLimit {
    struct Result {
        let limit: Int
        let sent: Int
        let ok: Int
        let limited: Int
        let other: Int
        /// How many responses each server gave, e.g. "127.0.0.1:8291:262,127.0.0.1:8292:261".
        let upstreams: String
    }

    final class Tallies: Sendable {
        let state = Mutex<(ok: Int, limited: Int, other: Int, upstreams: [String: Int])>((0, 0, 0, [:]))
    }

    static func burst(_ s: AppServices, http: HTTPClient, base: String, brand: SoakBrand, run: String) async throws -> Result {
        let limit = brand.config.apiSettings.resolvedRateLimitPerMinute
        let sent = limit + 20
        let token = try await brand.freshKey(s, run: run)
        // The window is a calendar minute: start early in one so the whole burst lands in it.
        while Calendar.current.component(.second, from: Date()) > 20 { try await Task.sleep(for: .milliseconds(500)) }
        let tallies = Tallies()
        let next = BenchCounter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    while next.add() <= sent {
                        var request = HTTPClientRequest(url: base + "/api/v1/clients?limit=1")
                        request.headers.add(name: "Host", value: brand.host)
                        request.headers.add(name: "Authorization", value: "Bearer \(token)")
                        let response = try? await http.execute(request, timeout: .seconds(30))
                        _ = try? await response?.body.collect(upTo: 1 << 20)
                        let upstream = response?.headers.first(name: "X-Atrium-Upstream") ?? "none"
                        tallies.state.withLock { t in
                            switch response?.status.code {
                            case 200: t.ok += 1
                            case 429: t.limited += 1
                            default: t.other += 1
                            }
                            t.upstreams[upstream, default: 0] += 1
                        }
                    }
                }
            }
        }
        let t = tallies.state.withLock { $0 }
        return Result(limit: limit, sent: sent, ok: t.ok, limited: t.limited, other: t.other,
                      upstreams: t.upstreams.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ","))
    }
}

/// Background jobs created during the run: each must have been done once, by one server. Overdue:
/// neither done nor failed a minute after it was due (jobs due later, such as payment expiry, are not).
enum SoakJobs {
    static func report(_ s: AppServices, since: Date) async throws {
        let rows = try await s.database.platform { c in
            try await c.query("""
                SELECT count(*)::int,
                       count(*) FILTER (WHERE done_at IS NOT NULL)::int,
                       count(*) FILTER (WHERE failed_at IS NOT NULL)::int,
                       count(*) FILTER (WHERE done_at IS NULL AND failed_at IS NULL AND run_at < now() - interval '1 minute')::int,
                       count(*) FILTER (WHERE attempts > 1)::int,
                       count(DISTINCT locked_by)::int
                FROM platform.jobs WHERE created_at >= \(since)
                """, logger: s.logger).collect()
        }
        guard let row = rows.first else { return }
        let (total, done, failed, pending, retried, workers) = try row.decode((Int, Int, Int, Int, Int, Int).self)
        say("jobs_created=\(total) jobs_done=\(done) jobs_failed=\(failed) jobs_overdue=\(pending) jobs_attempted_more_than_once=\(retried) job_workers=\(workers)")
        let by = try await s.database.platform { c in
            try await c.query("""
                SELECT coalesce(locked_by, '-'), count(*)::int FROM platform.jobs
                WHERE created_at >= \(since) AND done_at IS NOT NULL GROUP BY 1 ORDER BY 1
                """, logger: s.logger).collect()
        }
        for row in by {
            let (worker, count) = try row.decode((String, Int).self)
            say("jobs_done_by \(worker)=\(count)")
        }
    }
}
