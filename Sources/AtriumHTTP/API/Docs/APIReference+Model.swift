import Foundation

/// The view model of the reference page (`/api/v1/docs`): the spec's operations grouped by tag,
/// then its schemas, each with members and types written out for a reader.
struct APIReference: Encodable {
    struct Group: Encodable { let name: String; let description: String?; let operations: [Operation] }
    struct Operation: Encodable {
        let anchor: String, id: String, method: String, path: String
        let summary: String?, description: String?, scope: String?
        let parameters: [Parameter], body: Body?, responses: [Reply]
    }
    struct Parameter: Encodable { let name: String, location: String, required: Bool, type: Kind, description: String?, constraints: String? }
    struct Body: Encodable { let required: Bool, mediaType: String, type: Kind, members: [Member] }
    struct Reply: Encodable { let status: String, description: String?, mediaType: String?, type: Kind?, headers: String? }
    struct Schema: Encodable { let name: String, anchor: String, description: String?, type: Kind, members: [Member] }
    struct Member: Encodable { let name: String, type: Kind, required: Bool, description: String?, constraints: String? }
    /// A type for the reader: its label, and the schema it links to when it names one.
    struct Kind: Encodable { let label: String; let link: String? }

    let title: String, version: String, description: String?, basePath: String
    let groups: [Group]
    let schemas: [Schema]
    let scopes: [String]

    init(spec: SpecValue) {
        title = spec["info"]?["title"]?.text ?? "API"
        version = spec["info"]?["version"]?.display ?? ""
        description = spec["info"]?["description"]?.text
        basePath = spec["servers"]?.elements.first?["url"]?.text ?? ""
        var byTag: [(String, [Operation])] = []
        for (path, item) in spec["paths"]?.members ?? [] {
            let shared = item["parameters"]?.elements ?? []
            for (method, op) in item.members where Self.methods.contains(method) {
                let operation = Self.operation(method: method, path: path, op, shared: shared, spec: spec)
                let tag = op["tags"]?.elements.first?.text ?? "other"
                if let i = byTag.firstIndex(where: { $0.0 == tag }) { byTag[i].1.append(operation) } else { byTag.append((tag, [operation])) }
            }
        }
        let tagNotes = Dictionary((spec["tags"]?.elements ?? []).compactMap { t in t["name"]?.text.map { ($0, t["description"]?.text) } }) { a, _ in a }
        // Declared tags first, in the order the spec declares them; undeclared ones after.
        let declared = (spec["tags"]?.elements ?? []).compactMap { $0["name"]?.text }
        byTag.sort { (declared.firstIndex(of: $0.0) ?? Int.max, $0.0) < (declared.firstIndex(of: $1.0) ?? Int.max, $1.0) }
        groups = byTag.map { Group(name: $0.0, description: tagNotes[$0.0] ?? nil, operations: $0.1) }
        schemas = (spec["components"]?["schemas"]?.members ?? []).map { name, schema in
            Schema(name: name, anchor: "schema-\(name)", description: schema["description"]?.text,
                   type: Self.kind(schema), members: Self.members(schema, spec: spec))
        }
        scopes = Array(Set(groups.flatMap { $0.operations.compactMap(\.scope) })).sorted()
    }

    static let methods = ["get", "put", "post", "delete", "patch", "head", "options"]

    static func operation(method: String, path: String, _ op: SpecValue, shared: [SpecValue], spec: SpecValue) -> Operation {
        let id = op["operationId"]?.text ?? "\(method)\(path)"
        let parameters = (shared + (op["parameters"]?.elements ?? [])).map { resolve($0, spec) }.map { p in
            Parameter(name: p["name"]?.text ?? "", location: p["in"]?.text ?? "", required: p["required"] == .bool(true),
                      type: kind(p["schema"] ?? .null), description: p["description"]?.text, constraints: constraints(p["schema"] ?? .null))
        }
        var body: Body?
        if let requestBody = op["requestBody"].map({ resolve($0, spec) }), let (media, content) = requestBody["content"]?.members.first {
            let schema = content["schema"] ?? .null
            body = Body(required: requestBody["required"] == .bool(true), mediaType: media, type: kind(schema), members: members(schema, spec: spec))
        }
        let responses = (op["responses"]?.members ?? []).map { status, raw in
            let r = resolve(raw, spec)
            let content = r["content"]?.members.first
            let headers = r["headers"]?.members.map(\.0).joined(separator: ", ")
            return Reply(status: status, description: r["description"]?.text, mediaType: content?.0,
                         type: content.map { kind($0.1["schema"] ?? .null) }, headers: headers?.isEmpty == false ? headers : nil)
        }
        return Operation(anchor: "op-\(id)", id: id, method: method.uppercased(), path: path, summary: op["summary"]?.text,
                         description: op["description"]?.text, scope: scope(op), parameters: parameters, body: body, responses: responses)
    }

    /// The scope an operation needs: the role names of its security requirement (OpenAPI 3.1
    /// allows them for any scheme), else `x-scope`, else the `(scope a:b)` its summary names.
    static func scope(_ op: SpecValue) -> String? {
        let roles = (op["security"]?.elements ?? []).flatMap { $0.members.flatMap { $0.1.elements.compactMap(\.text) } }
        if !roles.isEmpty { return roles.joined(separator: ", ") }
        if let explicit = op["x-scope"]?.text { return explicit }
        guard let summary = op["summary"]?.text,
              let range = summary.range(of: #"scope [a-z_]+:[a-z_]+"#, options: .regularExpression) else { return nil }
        return String(summary[range].dropFirst("scope ".count))
    }

    /// Follows a local `$ref` (`#/components/…`) once.
    static func resolve(_ value: SpecValue, _ spec: SpecValue) -> SpecValue {
        guard let ref = value["$ref"]?.text, ref.hasPrefix("#/") else { return value }
        var target: SpecValue? = spec
        for part in ref.dropFirst(2).split(separator: "/") {
            target = target?[part.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")]
        }
        return target ?? value
    }

    /// `string (date-time)`, `array of Client`, `string | null`, `string: active | suspended`.
    static func kind(_ schema: SpecValue) -> Kind {
        if let ref = schema["$ref"]?.text {
            let name = String(ref.split(separator: "/").last ?? "")
            return Kind(label: name, link: "#schema-\(name)")
        }
        if let variants = (schema["oneOf"] ?? schema["anyOf"])?.elements, !variants.isEmpty {
            let kinds = variants.map(kind)
            return Kind(label: kinds.map(\.label).joined(separator: " | "), link: kinds.compactMap(\.link).first)
        }
        let types = schema["type"].map { $0.elements.isEmpty ? [$0.display] : $0.elements.map(\.display) } ?? []
        var label = types.map { t in
            switch t {
            case "array": "array of " + kind(schema["items"] ?? .null).label
            case "string" where schema["format"]?.text != nil: "string (\(schema["format"]!.display))"
            default: t
            }
        }.joined(separator: " | ")
        if label.isEmpty { label = "any" }
        if let values = schema["enum"]?.elements, !values.isEmpty { label += ": " + values.map(\.display).joined(separator: " | ") }
        return Kind(label: label, link: types.contains("array") ? kind(schema["items"] ?? .null).link : nil)
    }

    /// The members of an object schema (after one `$ref`), with whether each is required.
    static func members(_ schema: SpecValue, spec: SpecValue) -> [Member] {
        let object = schema["$ref"] == nil ? schema : .null
        let required = Set((object["required"]?.elements ?? []).compactMap(\.text))
        return (object["properties"]?.members ?? []).map { name, property in
            Member(name: name, type: kind(property), required: required.contains(name),
                   description: property["description"]?.text, constraints: constraints(property))
        }
    }

    /// Limits a reader needs: pattern, length and range bounds, default, example.
    static func constraints(_ schema: SpecValue) -> String? {
        let names: [(String, String)] = [("pattern", "pattern"), ("minLength", "min length"), ("maxLength", "max length"),
                                         ("minimum", "min"), ("maximum", "max"), ("default", "default"), ("examples", "e.g.")]
        let parts = names.compactMap { key, label in schema[key].map { "\(label) \($0.display)" } }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}
