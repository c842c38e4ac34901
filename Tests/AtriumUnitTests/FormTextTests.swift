import AtriumCore
import Testing

@Suite("Form text checks")
struct FormTextTests {
    @Test("ordinary text in any script passes")
    func ordinaryText() {
        #expect(FormText.problem(in: "José Pérez-O'Neil") == nil)
        #expect(FormText.problem(in: "محمد العلي") == nil)
        #expect(FormText.problem(in: "") == nil)
    }

    @Test("NUL is reported as NUL")
    func nul() {
        #expect(FormText.problem(in: "Ann\u{0}") == .nul)
    }

    @Test("TAB, LF and CR are refused in a one-line field and allowed in a multi-line one")
    func lineBreaks() {
        for text in ["a\tb", "a\nb", "a\rb"] {
            #expect(FormText.problem(in: text) == .control(text.unicodeScalars.dropFirst().first!), "\(text.debugDescription)")
            #expect(FormText.problem(in: text, multiLine: true) == nil, "\(text.debugDescription)")
        }
    }

    @Test("other C0 controls, DEL and C1 controls are refused even in a multi-line field")
    func controls() {
        for scalar: Unicode.Scalar in ["\u{1}", "\u{1B}", "\u{7F}", "\u{85}", "\u{9F}"] {
            #expect(FormText.problem(in: "x\(scalar)", multiLine: true) == .control(scalar))
        }
    }

    @Test("bytes that are not UTF-8 are reported as invalid UTF-8")
    func invalidBytes() {
        #expect(FormText.problem(inBytes: [0x41, 0xFF, 0x42]) == .invalidUTF8)
        #expect(FormText.problem(inBytes: Array("ok".utf8)) == nil)
    }
}
