import AtriumHTTP
import Foundation
import Testing

/// Builds multipart/form-data bodies with CRLF line endings.
private enum Body {
    struct Part {
        var headers: [String]
        var data: [UInt8]
    }

    static func field(_ name: String, _ value: String) -> Part {
        Part(headers: ["Content-Disposition: form-data; name=\"\(name)\""], data: Array(value.utf8))
    }

    static func file(_ name: String, _ fileName: String, type: String = "application/octet-stream", _ data: [UInt8]) -> Part {
        Part(headers: ["Content-Disposition: form-data; name=\"\(name)\"; filename=\"\(fileName)\"", "Content-Type: \(type)"], data: data)
    }

    static func build(boundary: String, _ parts: [Part], preamble: String = "", epilogue: String = "", closed: Bool = true) -> [UInt8] {
        var bytes = Array(preamble.utf8)
        for (index, part) in parts.enumerated() {
            if index > 0 || !preamble.isEmpty { bytes += Array("\r\n".utf8) }
            bytes += Array("--\(boundary)\r\n".utf8)
            for header in part.headers { bytes += Array("\(header)\r\n".utf8) }
            bytes += Array("\r\n".utf8)
            bytes += part.data
        }
        if closed { bytes += Array("\r\n--\(boundary)--".utf8) + Array(epilogue.utf8) }
        return bytes
    }
}

@Suite("multipart/form-data parsing")
struct MultipartFormDataTests {
    let boundary = "----AtriumBoundary7MA4YWxkTrZu0gW"
    var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    @Test("two text fields and a binary file part parse byte for byte")
    func fieldsAndBinaryFile() throws {
        let binary: [UInt8] = [0x00, 0xFF, 0x0D, 0x0A, 0x2D, 0x2D, 0x41, 0x00]  // NUL, 0xFF, "\r\n--A", NUL
            + Array("\r\n--\r\n--\(boundary.dropLast())\r\n\(boundary)--\(boundary)--\r\n".utf8)
            + [0x0D, 0x0D, 0x0A, 0x0A, 0x2D, 0x0D, 0x0A, 0x2D, 0x2D, 0x0D, 0x0A, 0x00]
        let body = Body.build(boundary: boundary, [
            Body.field("title", "Quarterly report"),
            Body.field("note", "line one\r\nline two"),
            Body.file("upload", "report.bin", binary),
        ])
        let parts = try MultipartFormData.parse(body, contentType: contentType)
        #expect(parts == [
            FormPart(name: "title", data: Array("Quarterly report".utf8)),
            FormPart(name: "note", data: Array("line one\r\nline two".utf8)),
            FormPart(name: "upload", fileName: "report.bin", contentType: "application/octet-stream", data: binary),
        ])
        #expect(parts[0].text == "Quarterly report")
        #expect(parts[2].data == binary)
        #expect(parts[2].text == nil)  // 0xFF is not valid UTF-8
    }

    @Test("quoted and unquoted boundary values", arguments: [
        ("multipart/form-data; boundary=simple123", "simple123"),
        ("multipart/form-data; boundary=\"quoted:with=odd/chars\"", "quoted:with=odd/chars"),
        ("Multipart/Form-Data;BOUNDARY = \"----WebKitFormBoundaryX\" ; charset=utf-8", "----WebKitFormBoundaryX"),
        ("multipart/form-data;charset=utf-8;Boundary=tail-param", "tail-param"),
    ])
    func boundaries(contentType: String, expected: String) throws {
        #expect(MultipartFormData.boundary(contentType: contentType) == expected)
        let body = Body.build(boundary: expected, [Body.field("a", "1"), Body.field("b", "2")])
        let parts = try MultipartFormData.parse(body, contentType: contentType)
        #expect(parts.map(\.name) == ["a", "b"])
        #expect(parts.map(\.text) == ["1", "2"])
    }

    @Test("filename* (RFC 5987) is percent-decoded and wins over filename")
    func extendedFileName() throws {
        let body = Body.build(boundary: boundary, [
            Body.Part(headers: ["Content-Disposition: form-data; name=\"doc\"; filename*=UTF-8''Zo%C3%AB.pdf"], data: [1, 2]),
            Body.Part(headers: ["Content-Disposition: form-data; name=\"doc2\"; filename=\"fallback.pdf\"; filename*=utf-8''Zo%c3%ab.pdf"], data: []),
        ])
        let parts = try MultipartFormData.parse(body, contentType: contentType)
        #expect(parts.map(\.fileName) == ["Zoë.pdf", "Zoë.pdf"])
        #expect(parts[0].contentType == nil)
    }

    @Test("Content-Disposition parameters: quotes, escapes, tokens, whitespace and case")
    func dispositionParameters() throws {
        let body = Body.build(boundary: boundary, [
            Body.Part(headers: ["content-DISPOSITION:Form-Data ;  NAME = \"a\\\"b;c\" ;FileName=plain.txt  ", "CONTENT-type:  text/plain; charset=utf-8"], data: Array("x".utf8)),
            Body.Part(headers: ["Content-Disposition: form-data; name=unquoted"], data: Array("y".utf8)),
            Body.Part(headers: ["Content-Disposition: form-data; name=\"w\"; filename=\"C:\\Users\\me\\a.txt\""], data: []),
        ])
        let parts = try MultipartFormData.parse(body, contentType: contentType)
        #expect(parts == [
            FormPart(name: "a\"b;c", fileName: "plain.txt", contentType: "text/plain; charset=utf-8", data: Array("x".utf8)),
            FormPart(name: "unquoted", data: Array("y".utf8)),
            FormPart(name: "w", fileName: "C:\\Users\\me\\a.txt", data: []),
        ])
    }

    @Test("a preamble and an epilogue are ignored")
    func preambleAndEpilogue() throws {
        let body = Body.build(
            boundary: boundary, [Body.field("a", "1")],
            preamble: "This is the preamble.\r\n--not-the-boundary\r\n",
            epilogue: "\r\nThis is the epilogue.\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"ghost\"\r\n\r\nboo\r\n--\(boundary)--"
        )
        let parts = try MultipartFormData.parse(body, contentType: contentType)
        #expect(parts == [FormPart(name: "a", data: Array("1".utf8))])
    }

    @Test("a body without a closing boundary is malformed")
    func missingClosingBoundary() {
        let body = Body.build(boundary: boundary, [Body.field("a", "1"), Body.file("f", "f.bin", [1, 2, 3])], closed: false)
        #expect(throws: MultipartError.malformed("no closing boundary")) {
            try MultipartFormData.parse(body, contentType: contentType)
        }
        // Truncated inside the headers, and a delimiter that is never closed.
        let truncated = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"a\"\r\n".utf8)
        #expect(throws: MultipartError.malformed("no closing boundary")) {
            try MultipartFormData.parse(truncated, contentType: contentType)
        }
        #expect(throws: MultipartError.malformed("no opening boundary")) {
            try MultipartFormData.parse([], contentType: contentType)
        }
        // Cut off right after a delimiter line, and in the middle of the closing delimiter.
        for cut in ["--\(boundary)\r\n", "--\(boundary)\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--\(boundary)"] {
            #expect(throws: MultipartError.malformed("no closing boundary")) {
                try MultipartFormData.parse(Array(cut.utf8), contentType: contentType)
            }
        }
    }

    @Test("a non-multipart Content-Type is refused", arguments: [
        "application/json", "application/x-www-form-urlencoded", "multipart/mixed; boundary=x", "multipart/form-datax; boundary=x", "",
    ])
    func notMultipart(contentType: String) {
        #expect(throws: MultipartError.notMultipart) {
            try MultipartFormData.parse(Body.build(boundary: "x", [Body.field("a", "1")]), contentType: contentType)
        }
    }

    @Test("a Content-Type without a boundary is refused", arguments: [
        "multipart/form-data", "multipart/form-data; charset=utf-8", "multipart/form-data; boundary=\"\"", "multipart/form-data; boundary=",
        "multipart/form-data; boundary=a; boundary=b",
    ])
    func missingBoundary(contentType: String) {
        #expect(MultipartFormData.boundary(contentType: contentType) == nil)
        #expect(throws: MultipartError.missingBoundary) {
            try MultipartFormData.parse(Body.build(boundary: "a", [Body.field("a", "1")]), contentType: contentType)
        }
    }

    @Test("more parts than maxParts are refused")
    func tooManyParts() throws {
        let twenty = (1...20).map { Body.field("f\($0)", "\($0)") }
        #expect(try MultipartFormData.parse(Body.build(boundary: boundary, twenty), contentType: contentType, maxParts: 20).count == 20)
        let twentyOne = twenty + [Body.field("f21", "21")]
        #expect(throws: MultipartError.tooManyParts(20)) {
            try MultipartFormData.parse(Body.build(boundary: boundary, twentyOne), contentType: contentType, maxParts: 20)
        }
    }

    @Test("a file part one byte over maxPartBytes is refused")
    func filePartTooLarge() throws {
        let atLimit = Body.build(boundary: boundary, [Body.file("upload", "a.bin", [UInt8](repeating: 0x0D, count: 100))])
        #expect(try MultipartFormData.parse(atLimit, contentType: contentType, maxPartBytes: 100)[0].data.count == 100)
        let overLimit = Body.build(boundary: boundary, [Body.field("a", "1"), Body.file("upload", "a.bin", [UInt8](repeating: 0x0D, count: 101))])
        #expect(throws: MultipartError.partTooLarge(name: "upload", limit: 100)) {
            try MultipartFormData.parse(overLimit, contentType: contentType, maxPartBytes: 100)
        }
    }

    @Test("a text field over maxFieldBytes is refused, while file parts use maxPartBytes")
    func fieldTooLarge() throws {
        let big = String(repeating: "x", count: 65)
        #expect(throws: MultipartError.partTooLarge(name: "comment", limit: 64)) {
            try MultipartFormData.parse(Body.build(boundary: boundary, [Body.field("comment", big)]), contentType: contentType, maxFieldBytes: 64)
        }
        let file = Body.build(boundary: boundary, [Body.file("upload", "a.txt", Array(big.utf8))])
        #expect(try MultipartFormData.parse(file, contentType: contentType, maxFieldBytes: 64)[0].data.count == 65)
    }

    @Test("a part without Content-Disposition is malformed")
    func partWithoutDisposition() {
        let withOtherHeader = Body.build(boundary: boundary, [Body.field("a", "1"), Body.Part(headers: ["Content-Type: text/plain"], data: Array("x".utf8))])
        #expect(throws: MultipartError.malformed("part without Content-Disposition")) {
            try MultipartFormData.parse(withOtherHeader, contentType: contentType)
        }
        let withoutHeaders = Body.build(boundary: boundary, [Body.Part(headers: [], data: Array("x".utf8))])
        #expect(throws: MultipartError.malformed("part without Content-Disposition")) {
            try MultipartFormData.parse(withoutHeaders, contentType: contentType)
        }
    }

    @Test("other malformed part headers are refused")
    func malformedHeaders() {
        let cases: [(Body.Part, String)] = [
            (Body.Part(headers: ["Content-Disposition: attachment; name=\"a\""], data: []), "part is not form-data"),
            (Body.Part(headers: ["Content-Disposition: form-data; filename=\"a.txt\""], data: []), "part without a name"),
            (Body.Part(headers: ["Content-Disposition: form-data; name=\"a\"; name=\"b\""], data: []), "duplicate Content-Disposition parameter name"),
            // multipart-kit's parser refuses a header line without a colon, and obsolete line folding, as syntax errors.
            (Body.Part(headers: ["Content-Disposition: form-data; name=\"a\"", "No colon here"], data: []), "invalid syntax"),
            (Body.Part(headers: ["Content-Disposition: form-data;", " name=\"a\""], data: []), "invalid syntax"),
            (Body.Part(headers: ["Content-Disposition: form-data; name=\"a\u{0}b\""], data: []), "invalid header line"),
            (Body.Part(headers: ["Content-Disposition: form-data; name=\"a\"", "X-Bell: \u{7}"], data: []), "invalid header line"),
            (Body.Part(headers: ["Content-Disposition: form-data; name=\"a\"; filename*=UTF-8''%ZZ"], data: []), "invalid filename* parameter"),
            (Body.Part(headers: ["Content-Disposition: form-data; name=\"a\"", "X-Long: " + String(repeating: "y", count: 9000)], data: []), "header section too long"),
        ]
        for (part, reason) in cases {
            #expect(throws: MultipartError.malformed(reason)) {
                try MultipartFormData.parse(Body.build(boundary: boundary, [part]), contentType: contentType)
            }
        }
    }

    @Test("an empty file part parses with empty data")
    func emptyFilePart() throws {
        let body = Body.build(boundary: boundary, [Body.file("upload", "empty.txt", type: "text/plain", []), Body.field("after", "ok")])
        let parts = try MultipartFormData.parse(body, contentType: contentType)
        #expect(parts == [
            FormPart(name: "upload", fileName: "empty.txt", contentType: "text/plain", data: []),
            FormPart(name: "after", data: Array("ok".utf8)),
        ])
    }

    @Test("a 5 MB binary payload full of near-delimiters parses correctly")
    func largePayload() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let alphabet: [UInt8] = [0x0D, 0x0A, 0x2D, 0x00] + Array(boundary.utf8.prefix(8))
        var payload = [UInt8](repeating: 0, count: 5 * 1024 * 1024)
        for i in payload.indices {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let r = Int(truncatingIfNeeded: state >> 33)
            payload[i] = r & 1 == 0 ? alphabet[(r >> 1) % alphabet.count] : UInt8(truncatingIfNeeded: r >> 8)
        }
        let body = Body.build(boundary: boundary, [Body.field("caption", "big"), Body.file("upload", "big.bin", payload), Body.field("tail", "end")])
        let parts = try MultipartFormData.parse(body, contentType: contentType)
        #expect(parts.count == 3)
        #expect(parts[1].data == payload)
        #expect(parts[2].text == "end")
    }

    @Test("errors describe themselves")
    func descriptions() {
        #expect(MultipartError.partTooLarge(name: "upload", limit: 10).description == "the form part \"upload\" is larger than 10 bytes")
        #expect(MultipartError.malformed("no closing boundary").description.hasSuffix("no closing boundary"))
    }
}
