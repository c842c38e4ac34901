import AtriumCore
import Glibc
import Testing

/// glibc raises its mmap threshold to the size of each mapped block freed (up to 32 MiB), so after
/// one Argon2 hash the next large blocks came from heap arenas that kept the memory. With the
/// threshold fixed, a large block is still mapped after a larger one was freed.
@Suite("Allocator settings")
struct MemoryTuningTests {
    /// glibc marks a chunk with its own mapping by bit 1 (IS_MMAPPED) of the size word before it;
    /// read per block, so other tests allocating at the same time cannot disturb the check.
    static func isMapped(_ block: UnsafeMutableRawPointer) -> Bool {
        block.load(fromByteOffset: -MemoryLayout<UInt>.size, as: UInt.self) & 0x2 != 0
    }

    @Test("with the threshold fixed, a 4 MiB block is mapped (not taken from an arena) after a 20 MiB block was freed")
    func largeBlocksStayMapped() throws {
        #expect(MemoryTuning.apply(environment: [:]))
        let big = try #require(malloc(20 << 20))
        #expect(Self.isMapped(big))
        free(big)
        let block = try #require(malloc(4 << 20))
        defer { free(block) }
        #expect(Self.isMapped(block))
        let small = try #require(malloc(64))
        defer { free(small) }
        #expect(!Self.isMapped(small))
    }

    @Test("an operator's MALLOC_MMAP_THRESHOLD_ is left to glibc")
    func operatorSettingWins() {
        #expect(!MemoryTuning.apply(environment: ["MALLOC_MMAP_THRESHOLD_": "1048576"]))
    }
}
