import AtriumBrandConfig
import AtriumCore
import AtriumTenancy
import AtriumTrading
import Foundation
import Hummingbird

/// The platform connections editor (`platforms:`): endpoint, server time offset, the groups and
/// leverages of existing account types, and symbol groups; plus a "test connection" that calls the
/// platform with the brand's resolved connection (and the endpoint typed in the form).
struct PlatformEditor: Sendable {
    let editor: SettingsEditor
    static let page = SettingsEditor.base + "/platforms"

    func register(on group: RouterGroup<StaffRequestContext>) {
        group.get("/platforms") { req, ctx in try await show(req, ctx) }
        group.post("/platforms/:connection") { req, ctx in try await save(req, ctx) }
        group.post("/platforms/:connection/test") { req, ctx in try await test(req, ctx) }
    }

    func show(_ req: Request, _ ctx: StaffRequestContext, form: [String: String]? = nil, formConnection: String? = nil,
              refused: SettingsProblems? = nil, testResult: [String: Any]? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let config = try await editor.current(ctx)
        let t = editor.pages.strings(req, ctx)
        let connections = (config.platforms ?? []).map { c -> [String: Any] in
            let echo = FormEcho(form: c.id == formConnection ? form : nil)
            var row: [String: Any] = [
                "id": c.id, "type": c.type, "action": "\(Self.page)/\(c.id)",
                "endpoint": echo.text("endpoint", c.endpoint),
                "offset": echo.text("server_time_offset_minutes", String(c.serverTimeOffsetMinutes ?? 0)),
                "accountTypes": (c.accountTypes ?? []).map { at in
                    ["id": at.id, "currency": at.currency, "prefix": "at_\(at.id)",
                     "group": echo.text("at_\(at.id)_group", at.group),
                     "leverages": echo.text("at_\(at.id)_leverages", at.leverages.map(String.init).joined(separator: ", ")),
                     "autoMax": echo.text("at_\(at.id)_auto_max", at.leverageAutoMax.map(String.init) ?? "")] as [String: Any]
                },
                "symbolGroups": (c.symbolGroups ?? [:]).sorted { $0.key < $1.key }.map { name, patterns in
                    ["name": name, "field": "sg_\(name)", "patterns": echo.text("sg_\(name)", patterns.joined(separator: ", "))] as [String: Any]
                },
            ]
            if let testResult, testResult["connection"] as? String == c.id { row["test"] = testResult }
            return row
        }
        var extra: [String: Any] = ["connections": connections]
        if let refused { extra.merge(SettingsEditor.problemContext(refused, t: t)) { _, new in new } }
        return try editor.render("admin/settings-platforms", "editors_platforms_title", req, ctx, extra, status: status)
    }

    func save(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = editor.pages.strings(req, ctx)
        let fields = try await Forms.read(req, context: ctx, csrf: editor.services.csrf, strings: t)
        let id = ctx.parameters.get("connection") ?? ""
        var form = SettingsForm(fields)
        let result = try await editor.save(section: "platforms", page: Self.page, ctx) { config in
            guard let index = config.platforms?.firstIndex(where: { $0.id == id }), var c = config.platforms?[index] else {
                throw SettingsProblems(problems: [.init(path: "platforms", expected: "a connection of this brand")])
            }
            let path = "platforms[\(index)]"
            if form.has("endpoint") { c.endpoint = form.text("endpoint") }
            if form.has("server_time_offset_minutes") {
                c.serverTimeOffsetMinutes = form.int("server_time_offset_minutes", path: "\(path).server_time_offset_minutes")
            }
            var types = c.accountTypes ?? []
            let known = Set(types.map(\.id))
            // A field for an account type the connection does not have: the form is stale or forged.
            for key in fields.keys.sorted() where key.hasPrefix("at_") {
                let typeID = ["_group", "_leverages", "_auto_max"].reduce(String(key.dropFirst(3))) { s, suffix in
                    s.hasSuffix(suffix) ? String(s.dropLast(suffix.count)) : s
                }
                if !known.contains(typeID) {
                    form.problems.append(.init(path: "\(path).account_types.\(typeID)", expected: "an account type of this connection (\(known.sorted().joined(separator: ", ")))"))
                }
            }
            for (j, var at) in types.enumerated() {
                let prefix = "at_\(at.id)"
                if fields["\(prefix)_group"] != nil { at.group = form.text("\(prefix)_group") }
                if fields["\(prefix)_leverages"] != nil { at.leverages = form.ints("\(prefix)_leverages", path: "\(path).account_types[\(j)].leverages") }
                if fields["\(prefix)_auto_max"] != nil { at.leverageAutoMax = form.int("\(prefix)_auto_max", path: "\(path).account_types[\(j)].leverage_auto_max") }
                if let max = at.leverageAutoMax, !at.leverages.isEmpty, max > at.leverages.max() ?? 0 {
                    form.problems.append(.init(path: "\(path).account_types[\(j)].leverage_auto_max", expected: "at most the highest leverage offered"))
                }
                types[j] = at
            }
            c.accountTypes = types.isEmpty ? c.accountTypes : types
            var groups = c.symbolGroups ?? [:]
            for name in groups.keys.sorted() where fields["sg_\(name)"] != nil {
                let patterns = form.list("sg_\(name)")
                groups[name] = patterns.isEmpty ? nil : patterns
            }
            let newName = form.text("sg_new_name")
            if !newName.isEmpty {
                if groups[newName] != nil { form.problems.append(.init(path: "\(path).symbol_groups.\(newName)", expected: "a new group name")) }
                groups[newName] = form.list("sg_new_patterns")
            }
            c.symbolGroups = groups.isEmpty ? nil : groups
            try form.check()
            config.platforms?[index] = c
        }
        switch result {
        case .success(let redirect): return redirect
        case .failure(let refused): return try await show(req, ctx, form: fields, formConnection: id, refused: refused, status: .settingsRefused)
        }
    }

    /// Calls the platform with the connection as it would be resolved after saving the endpoint in
    /// the form, and shows its answer: ok with the round trip, or the platform's error.
    func test(_ req: Request, _ ctx: StaffRequestContext) async throws -> Response {
        let t = editor.pages.strings(req, ctx)
        let fields = try await Forms.read(req, context: ctx, csrf: editor.services.csrf, strings: t)
        let id = ctx.parameters.get("connection") ?? ""
        var config = try await editor.current(ctx)
        guard let index = config.platforms?.firstIndex(where: { $0.id == id }) else { throw HTTPError(.notFound) }
        let endpoint = (fields["endpoint"] ?? "").trimmingCharacters(in: .whitespaces)
        if !endpoint.isEmpty { config.platforms?[index].endpoint = endpoint }
        let answer = await Self.probe(editor.services.trading.directory, brand: config, connection: id)
        var result: [String: Any] = ["connection": id, "ok": answer.ok, "endpoint": config.platforms?[index].endpoint ?? ""]
        if answer.ok {
            result["text"] = (t["editors_platform_test_ok"] ?? "OK: the platform answered in {{ms}} ms at {{time}}.")
                .replacingOccurrences(of: "{{ms}}", with: String(answer.milliseconds))
                .replacingOccurrences(of: "{{time}}", with: answer.at.formatted(.iso8601))
        } else {
            result["text"] = (t["editors_platform_test_failed"] ?? "The platform did not answer: {{error}}").replacingOccurrences(of: "{{error}}", with: answer.error)
        }
        // The result is shown whatever it is; a failed test is not a failed request.
        return try await show(req, ctx, form: fields, formConnection: id, testResult: result)
    }

    /// Pings connection `id` of `brand`; its answer, the round trip and the error text.
    static func probe(_ directory: PlatformDirectory, brand: TenantConfig, connection id: String) async -> (ok: Bool, milliseconds: Int, at: Date, error: String) {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            try await directory.platform(brand, connection: id).ping()
            let elapsed = clock.now - start
            let ms = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
            return (true, ms, Date(), "")
        } catch let e as PlatformError {
            return (false, 0, Date(), e.description)
        } catch let e as TradingError {
            return (false, 0, Date(), e.description)
        } catch {
            return (false, 0, Date(), "\(type(of: error))")
        }
    }
}
