import AtriumCore
import Glibc
import Testing

/// glibc raises its mmap threshold to the size of each mapped block freed (up to 32 MiB), so after
/// one Argon2 hash the next large blocks came from heap arenas that kept the memory. With the
/// threshold fixed, a large block is still mapped after a larger one was freed.
///
/// The check runs in a child process (an exit test): in the shared test process, other tests' freed
/// hashes leave large free chunks in the arenas, and glibc serves a large block from one of those
/// before it asks for a mapping, whatever the threshold (CI failed on that once, stop 22).
@Suite("Allocator settings")
struct MemoryTuningTests {
    /// glibc marks a chunk with its own mapping by bit 1 (IS_MMAPPED) of the size word before it.
    static func isMapped(_ block: UnsafeMutableRawPointer) -> Bool {
        block.load(fromByteOffset: -MemoryLayout<UInt>.size, as: UInt.self) & 0x2 != 0
    }

    @Test("with the threshold fixed, a 4 MiB block is mapped (not taken from an arena) after a 20 MiB block was freed")
    func largeBlocksStayMapped() async {
        // Exit codes name the step that failed: 2 not applied, 3 the 20 MiB block, 4 the 4 MiB block,
        // 5 a small block was mapped.
        await #expect(processExitsWith: .success) {
            guard MemoryTuning.apply(environment: [:]) else { exit(2) }
            guard let big = malloc(20 << 20), MemoryTuningTests.isMapped(big) else { exit(3) }
            free(big)
            guard let block = malloc(4 << 20), MemoryTuningTests.isMapped(block) else { exit(4) }
            free(block)
            guard let small = malloc(64), !MemoryTuningTests.isMapped(small) else { exit(5) }
            free(small)
            exit(0)
        }
    }

    @Test("without the fixed threshold, the same 4 MiB block comes from an arena (the check can fail)")
    func dynamicThresholdTakesFromArena() async {
        await #expect(processExitsWith: .success) {
            guard let big = malloc(20 << 20), MemoryTuningTests.isMapped(big) else { exit(3) }
            free(big)
            guard let block = malloc(4 << 20), !MemoryTuningTests.isMapped(block) else { exit(4) }
            free(block)
            exit(0)
        }
    }

    @Test("an operator's MALLOC_MMAP_THRESHOLD_ is left to glibc")
    func operatorSettingWins() {
        #expect(!MemoryTuning.apply(environment: ["MALLOC_MMAP_THRESHOLD_": "1048576"]))
    }
}
