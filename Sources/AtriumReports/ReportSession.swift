import AtriumStorage

/// Settings for the transaction a dashboard reads its reports in.
public enum ReportSession {
    /// JIT off: compiling a report's plan cost more than running it (490 ms of 1.8 s on the funnel
    /// in ops/bench/reports). More sort memory: per-bucket distinct counts would spill to disk at 4 MB.
    public static func prepare(_ tx: TenantTransaction) async throws {
        try await tx.query("SET LOCAL jit = off")
        try await tx.query("SET LOCAL work_mem = '64MB'")
    }
}
