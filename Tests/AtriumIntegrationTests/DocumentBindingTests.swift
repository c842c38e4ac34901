import AtriumHTTP
import AtriumKYC
import AtriumStorage
import Crypto
import Foundation
import PostgresNIO
import Testing

@Suite("KYC documents are bound to their rows", .timeLimit(.minutes(3)))
struct DocumentBindingTests {
    @Test("sealed files swapped between two rows open as neither; each attempt is audited and counted")
    func swappedRowsFail() async throws {
        try await TradeFixture.with("docswap") { f in
            // setup
            let vault = DocumentVault(key: SymmetricKey(size: .bits256))
            var ids: [UUID] = []
            for pages in [1, 2] {
                let file = Fixtures.pdf(pages: pages)
                let (id, _) = try await f.s.tenantDB.transaction(f.handle) { tx in
                    try await Onboarding.addDocument(user: f.client.id, kind: .identity, fileName: "id-\(pages).pdf", inspected: try DocumentInspector.inspect(file),
                                                     file: file, vault: vault, issuedOn: nil, declaredName: nil, declaredDateOfBirth: nil,
                                                     requestID: "req-upload", in: tx)
                }
                ids.append(id)
            }
            func open(_ id: UUID) async throws -> OpenedDocument? {
                try await Onboarding.openDocument(id: id, user: f.client.id, actor: "staff:test", vault: vault, requestID: "req-view",
                                                  tenant: f.handle, tenantDB: f.s.tenantDB, logger: f.s.logger)
            }
            #expect(try await open(ids[1])?.bytes == Fixtures.pdf(pages: 2))
            let before = corruptCount("sealed_document", f.s)
            // MUT: swap the sealed bytes of the two rows
            try await f.s.tenantDB.transaction(f.handle) { tx in
                try await tx.query("""
                    UPDATE kyc_documents d SET sealed = o.sealed FROM kyc_documents o
                    WHERE (d.id, o.id) IN ((\(ids[0]), \(ids[1])), (\(ids[1]), \(ids[0])))
                    """)
            }
            // validate
            for id in ids {
                let error = await #expect(throws: DocumentUnreadable.self) { _ = try await open(id) }
                #expect(error?.document == id)
            }
            let unreadable = try await f.s.tenantDB.transaction(f.handle) { tx in
                try await tx.query("SELECT subject FROM audit_log WHERE action = 'kyc.document_unreadable' ORDER BY seq").collect().map { try $0.decode(String.self) }
            }
            #expect(unreadable == ids.map { "document:\($0.uuidString.lowercased())" })
            #expect(corruptCount("sealed_document", f.s) >= before + 2)  // process-wide counter: parallel suites count too
        }
    }

    @Test("a sealed file does not open as the same document id in another brand")
    func otherTenantFails() throws {
        let vault = DocumentVault(key: SymmetricKey(size: .bits256))
        let (user, document) = (UUID(), UUID())
        let sealed = try vault.seal([1, 2, 3], for: DocumentBinding(tenant: UUID(), user: user, document: document))
        let other = DocumentBinding(tenant: UUID(), user: user, document: document)
        #expect(throws: DocumentUnreadable(document: document)) { try vault.open(sealed, as: other) }
    }

    @Test("documents sealed before rows were bound still open")
    func legacyDocumentsOpen() throws {
        let key = SymmetricKey(size: .bits256)
        let legacy = try #require(try AES.GCM.seal(Fixtures.pdf(pages: 1), using: key).combined)
        let opened = try DocumentVault(key: key).open(Array(legacy), as: DocumentBinding(tenant: UUID(), user: UUID(), document: UUID()))
        #expect(opened == Fixtures.pdf(pages: 1))
    }
}
