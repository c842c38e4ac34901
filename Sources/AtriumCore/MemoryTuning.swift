#if canImport(Glibc)
import CMalloc
#endif

/// Allocator settings for the long-running server (glibc only).
///
/// glibc serves an allocation above the mmap threshold (128 KiB at start) with its own mapping and
/// unmaps it on free, but raises the threshold to the size of each such block freed, up to 32 MiB.
/// After the first Argon2 hash (19 MiB) had been freed, every later one came from a heap arena.
/// The arenas keep that memory once small allocations land above it. In the soak, the 40 MB swings
/// of two concurrent hashes were the heap's largest peaks, and the servers' RSS grew by about
/// 2 MB a minute while the live heap stayed near 21 MB. A fixed threshold turns the dynamic
/// adjustment off, so large blocks always go back to the system.
public enum MemoryTuning {
    /// Blocks at least this large get their own mapping.
    public static let mmapThreshold = 256 * 1024

    /// Fixes the mmap threshold unless the operator set `MALLOC_MMAP_THRESHOLD_` (glibc reads that
    /// itself). Returns whether the setting was applied.
    @discardableResult
    public static func apply(environment: [String: String]) -> Bool {
        #if canImport(Glibc)
        guard environment["MALLOC_MMAP_THRESHOLD_"] == nil else { return false }
        return mallopt(M_MMAP_THRESHOLD, Int32(mmapThreshold)) == 1
        #else
        return false
        #endif
    }
}
