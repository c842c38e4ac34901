import AtriumCore
import Foundation
import Testing

@Suite("Canonical JSON")
struct CanonicalJSONTests {
    @Test("quotes, backslashes and control characters are escaped; keys are sorted; the text decodes back")
    func escapesAndSorts() throws {
        let ticket = "7\"1\\2\n\u{01}"
        let text = try CanonicalJSON.object(["ticket": ticket, "amount": 2500, "state": "posted", "none": String?.none])
        #expect(text == #"{"amount":2500,"none":null,"state":"posted","ticket":"7\"1\\2\n\u0001"}"#)
        struct Back: Decodable { let ticket: String; let amount: Int64 }
        let back = try CanonicalJSON.decode(Back.self, from: text)
        #expect(back.ticket == ticket)
        #expect(back.amount == 2500)
    }

    @Test("the same fields give the same bytes whatever order they were written in")
    func stable() throws {
        #expect(try CanonicalJSON.object(["b": 1, "a": "x/y"]) == CanonicalJSON.object(["a": "x/y", "b": 1]))
        #expect(try CanonicalJSON.object(["a": "x/y"]) == #"{"a":"x/y"}"#)
    }
}
