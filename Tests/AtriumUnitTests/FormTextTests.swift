import AtriumCore
import Testing

@Suite("Form field text check")
struct FormTextTests {
    @Test("ordinary text, including non-Latin scripts and emoji, passes", arguments: [
        "Zoë Ñandú-Łukasz", "محمد", "李小龙", "O'Brien & Sons", "1 High St, Apt. 4", "💶 100.00", "",
    ])
    func accepts(value: String) {
        #expect(FormText.problem(in: value) == nil)
    }

    @Test("NUL, U+FFFD (what invalid UTF-8 decodes to), C0, DEL and C1 controls are refused")
    func refuses() {
        #expect(FormText.problem(in: "Pat\u{0}") == .nul)
        #expect(FormText.problem(in: "Pat\u{FFFD}") == .invalidUTF8)
        #expect(FormText.problem(in: "\u{1}Pat") == .control("\u{1}"))
        #expect(FormText.problem(in: "Pat\u{7F}") == .control("\u{7F}"))
        #expect(FormText.problem(in: "Pat\u{85}") == .control("\u{85}"))
        #expect(FormText.problem(in: "Pat\u{1B}[31m") == .control("\u{1B}"))
    }

    @Test("TAB, CR and LF pass only in a multi-line field")
    func lineBreaks() {
        for value in ["a\tb", "a\r\nb", "a\nb"] {
            #expect(FormText.problem(in: value, multiLine: true) == nil)
            #expect(FormText.problem(in: value) != nil)
        }
        #expect(FormText.problem(in: "a\r\n\u{0}", multiLine: true) == .nul)
    }

    @Test("raw bytes must be UTF-8 before the text is checked")
    func bytes() {
        #expect(FormText.problem(inBytes: Array("Zoë".utf8)) == nil)
        #expect(FormText.problem(inBytes: [0x50, 0xFF]) == .invalidUTF8)
        #expect(FormText.problem(inBytes: [0xC3]) == .invalidUTF8)
        #expect(FormText.problem(inBytes: [0x50, 0x00]) == .nul)
    }
}
