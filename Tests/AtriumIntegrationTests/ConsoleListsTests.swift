@testable import AtriumCompliance
import AtriumHTTP
import AtriumIdentity
import AtriumStorage
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Operator console /lists: upload a sanctions list, versions with dates and counts, operators only", .serialized, .timeLimit(.minutes(3)))
struct ConsoleListsTests {
    static let shared = Task { () throws -> AppServices in
        let s = try await TestEnv.started("consolelists")
        try await Operators.upsert(email: "op@atrium.test", password: "operator-pass-1", services: s)
        return s
    }

    /// A multipart body with the CSRF token, the source and several files under `files`.
    static func upload(_ client: any TestClientProtocol, _ ops: FormClient, source: String, files: [ListFile]) async throws -> (status: HTTPResponse.Status, body: String) {
        let token = FormClient.csrfToken(in: try await ops.get("/lists").body)
        let boundary = "----atriumlists\(UUID().uuidString.prefix(8))"
        var body: [UInt8] = []
        for (k, v) in [("_csrf", token), ("source", source)] {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n".utf8)
        }
        for file in files {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"files\"; filename=\"\(file.name)\"\r\nContent-Type: text/csv\r\n\r\n".utf8)
            body += Array(file.data) + Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        var headers: HTTPFields = [HTTPField.Name("Host")!: ops.host, .contentType: "multipart/form-data; boundary=\(boundary)"]
        headers[.cookie] = ops.cookieHeader
        let response = try await client.execute(uri: "/lists", method: .post, headers: headers, body: ByteBuffer(bytes: body))
        return (response.status, String(buffer: response.body))
    }

    @Test("an operator uploads the OFAC sample (201, 60 entries / 66 aliases shown), then a truncated sdn.csv is refused 422 naming sdn.csv and its line, nothing stored")
    func operatorUpload() async throws {
        let s = try await Self.shared.value
        try await buildApplication(services: s).test(.router) { client in
            let ops = FormClient(client, host: "ops.localhost:8080")
            #expect(try await ops.post("/login", ["email": "op@atrium.test", "password": "operator-pass-1"], csrfFrom: "/").status == .seeOther)
            let empty = try await ops.get("/lists")
            #expect(empty.status == .ok)
            #expect(empty.body.contains("id=\"upload-list\""))

            let loaded = try await Self.upload(client, ops, source: "ofac", files: try ListSampleFiles.ofac())
            #expect(loaded.status == .created)
            #expect(loaded.body.contains("data-entries=\"60\""))
            #expect(loaded.body.contains("data-aliases=\"66\""))
            #expect(loaded.body.contains("data-status=\"current\""))

            var files = try ListSampleFiles.ofac()
            files[0] = ListFile(name: "sdn.csv", data: files[0].data.prefix(300))
            let refused = try await Self.upload(client, ops, source: "ofac", files: files)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.body.contains("data-field=\"files\""))
            #expect(refused.body.contains("sdn.csv, line 2:"))

            let noFiles = try await Self.upload(client, ops, source: "un", files: [])
            #expect(noFiles.status == .badRequest)
            #expect(noFiles.body.contains("data-field=\"files\""))
            let badSource = try await Self.upload(client, ops, source: "eu", files: [try ListSampleFiles.un()])
            #expect(badSource.status == .badRequest)
            #expect(badSource.body.contains("data-field=\"source\""))

            let versions = try await SanctionListStore.versions(s.database)
            #expect(versions.count == 1)
            #expect(versions.first?.loadedBy == "operator:op@atrium.test")
            #expect(try await ListSampleFiles.count(s, "SELECT count(*)::int FROM platform.sanction_entries") == 60)
        }
    }

    @Test("without an operator session /lists answers 401 and an upload stores nothing")
    func operatorsOnly() async throws {
        let s = try await Self.shared.value
        let before = try await SanctionListStore.versions(s.database).count
        try await buildApplication(services: s).test(.router) { client in
            let ops = FormClient(client, host: "ops.localhost:8080")
            #expect(try await ops.get("/lists").status == .unauthorized)
            let response = try await Self.upload(client, ops, source: "un", files: [try ListSampleFiles.un()])
            #expect(response.status == .unauthorized)
        }
        #expect(try await SanctionListStore.versions(s.database).count == before)
    }
}
