@testable import AtriumHTTP
import Testing

@Suite("Template rendering", .timeLimit(.minutes(3)))
struct RendererTests {
    @Test("locale strings are inlined escaped, raw only in triple braces, and never as template syntax")
    func inlining() {
        let strings = ["a": "Fish & <Chips>", "b": "Hi {{user.name}}"]
        let out = Renderer.inlineStrings("<p>{{t.a}}</p>{{{t.a}}}{{ t.b }}{{t.missing}}", strings)
        #expect(out == "<p>Fish &amp; &lt;Chips&gt;</p>Fish & <Chips>{{ t.b }}{{t.missing}}")
    }

    @Test("each locale renders its own strings")
    func perLocale() throws {
        let r = try Renderer(root: RepositoryPaths.root + "/templates")
        let en = try r.render("errors/not-found", brand: nil, context: ["lang": "en", "t": r.strings("en")])
        let es = try r.render("errors/not-found", brand: nil, context: ["lang": "es", "t": r.strings("es")])
        #expect(en != es)
        #expect(en.contains(r.strings("en")["title_not_found"] ?? "?"))
    }
}

extension RendererTests {
    @Test("a changed brand value renders at once (brand values come from the render context, not the compiled templates)")
    func brandConstantsFollowChanges() throws {
        let r = try Renderer(root: RepositoryPaths.root + "/templates")
        func page(_ name: String) throws -> String {
            try r.render("errors/maintenance", brand: "aurora", context: ["lang": "en", "t": r.strings("en"),
                                                                          "brand": ["name": name, "slug": "aurora", "primaryColor": "#000000"]])
        }
        #expect(try page("Old & Name").contains("Old &amp; Name"))
        let renamed = try page("New Name")
        #expect(renamed.contains("New Name") && !renamed.contains("Old"))
    }
}
