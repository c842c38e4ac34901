import AtriumCompliance
import AtriumCore
import Foundation
import Testing

/// The case file verifier without a database: a chain built with the SQL hash recipe verifies;
/// a missing file, a broken link and an anchor of another tenant are each named.
@Suite("Case file verification")
struct CaseFileTests {
    static func chain(_ count: Int) -> [CaseFileAuditRow] {
        var rows: [CaseFileAuditRow] = []
        var prev: [UInt8] = [0]
        for i in 1...count {
            var row = CaseFileAuditRow(seq: Int64(i), atMicros: "\(1_765_000_000_000_000 + i)", at: "2025-12-06T05:46:40Z", actor: "staff:x",
                                       action: "test.row", subject: "payment:W-\(i)", before: i == 1 ? nil : #"{"status": "review"}"#,
                                       after: #"{"status": "approved"}"#, requestID: "rq\(i)", prevHash: Token.hex(prev), hash: "")
            let hash = CaseFile.rowHash(row, prev: prev)
            row.hash = Token.hex(hash)
            rows.append(row)
            prev = hash
        }
        return rows
    }

    static func facts(citing rows: [CaseFileAuditRow]) -> InvestigationFacts {
        InvestigationFacts(brand: "aurora",
                           withdrawal: .init(id: "w", reference: "W-1", client: "c", clientEmail: "c@x.test", amountMinor: 20_000, currency: "USD", psp: "sandbox-card",
                                             status: "approved", requestedAt: "t", requestedBy: "client:c", ruleReasons: ["new_device"], requiredApprovals: 1),
                           decidedAt: "t", approvals: [], events: [], amlAlerts: [], screeningHits: [], screeningThen: "clear", kycThen: nil,
                           audit: rows.map { CitedAuditEntry(seq: $0.seq, action: $0.action, actor: $0.actor, hash: $0.hash, prevHash: $0.prevHash) })
    }

    @Test("an intact file verifies and its bytes are the same for the same facts")
    func intact() throws {
        let rows = Self.chain(3)
        let anchor = CaseFileAnchor(tenantID: "t1", seq: 3, hash: rows[2].hash, at: "now")
        let zip = try CaseFile.build(facts: Self.facts(citing: rows), segment: CaseFileSegment(tenantID: "t1", tenant: "aurora", rows: rows), anchor: anchor)
        #expect(CaseFile.verify(zip) == [])
        let files = try CaseFile.unzip(zip)
        #expect(files["facts.json"] == (try CaseFile.encoder().encode(Self.facts(citing: rows))))
    }

    @Test("a missing file, a broken link and another tenant's anchor are each reported")
    func problems() throws {
        var rows = Self.chain(3)
        let anchor = CaseFileAnchor(tenantID: "t2", seq: 3, hash: rows[2].hash, at: "now")
        rows[2].prevHash = rows[0].hash
        let zip = try CaseFile.build(facts: Self.facts(citing: rows), segment: CaseFileSegment(tenantID: "t1", tenant: "aurora", rows: rows), anchor: anchor)
        let found = CaseFile.verify(zip)
        #expect(found.contains("segment: seq 3 does not link to the hash of seq 2"))
        #expect(found.contains("segment: seq 3 hash does not match its contents"))
        #expect(found.contains("anchor: tenant t2 is not the segment's tenant t1"))
        var files = try CaseFile.unzip(zip)
        files["anchor.json"] = nil
        let missing = CaseFile.verify(try CaseFile.zip(files.sorted { $0.key < $1.key }))
        #expect(missing.contains("manifest: anchor.json is missing"))
        #expect(CaseFile.verify(Data("not a zip".utf8)) == ["zip: not a readable ZIP archive"])
    }
}
