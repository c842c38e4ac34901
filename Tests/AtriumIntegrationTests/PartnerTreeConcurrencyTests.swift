import AtriumCore
import AtriumHTTP
import AtriumPartners
import AtriumStorage
import Foundation
import PostgresNIO
import Testing

/// Concurrent hierarchy writes: the cycle trigger serialises them, and must do so without
/// deadlocking (a LOCK TABLE inside the trigger upgrades the INSERT's table lock: two concurrent inserts each held
/// ROW EXCLUSIVE and waited for the other's, and one was aborted with 40P01).
@Suite("IB tree under concurrent writes", .timeLimit(.minutes(3)))
struct PartnerTreeConcurrencyTests {
    @Test("sub-IBs created at the same time under one parent all commit (no 40P01 deadlock)")
    func concurrentSubIBs() async throws {
        let f = try await NetworkFixture.shared.value
        // setup
        let root = try await f.makePartner(f.aurora, email: "root-\(UUID().uuidString.prefix(8).lowercased())@aurora.test")
        // MUT: rounds of concurrent creations, each inserting a parent edge
        var failures: [String] = []
        for round in 0..<4 {
            let results = await withTaskGroup(of: String?.self) { group in
                for i in 0..<6 {
                    group.addTask {
                        do {
                            _ = try await f.makePartner(f.aurora, email: "sub\(round)-\(i)-\(UUID().uuidString.prefix(6).lowercased())@aurora.test",
                                                        parent: root.partnerID)
                            return nil
                        } catch {
                            return error.sqlState ?? "\(error)"
                        }
                    }
                }
                var out: [String] = []
                for await r in group { if let r { out.append(r) } }
                return out
            }
            failures += results
        }
        // validate
        #expect(failures == [])
        let children = try await f.s.tenantDB.transaction(f.aurora.handle) { tx in try await PartnerTree.subtree(of: root.partnerID, in: tx) }
        #expect(children.count == 1 + 24)
    }
}
