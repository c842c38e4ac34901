import Foundation

/// A JSON document decoded without Foundation's bridging, so `true` and `1` stay apart.
indirect enum JSONDoc: Decodable, Equatable {
    case null, bool(Bool), int(Int), double(Double), string(String), array([JSONDoc]), object([String: JSONDoc])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONDoc].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONDoc].self)) }
    }

    static func parse(_ data: Data) throws -> JSONDoc { try JSONDecoder().decode(JSONDoc.self, from: data) }

    subscript(key: String) -> JSONDoc? { if case .object(let o) = self { o[key] } else { nil } }
    var string: String? { if case .string(let s) = self { s } else { nil } }
    var array: [JSONDoc]? { if case .array(let a) = self { a } else { nil } }
    var object: [String: JSONDoc]? { if case .object(let o) = self { o } else { nil } }
}

/// Checks a response against an OpenAPI 3.1 schema: the subset of JSON Schema the Atrium specs
/// use (`$ref`, `type` including type arrays for nullable, `required`, `properties`, `items`,
/// `enum`, `pattern`, `format` date-time and uuid, length and range bounds, `oneOf`/`anyOf`/`allOf`).
/// A keyword outside that subset is reported, so a spec growing past it fails loudly instead of passing.
struct JSONSchemaCheck {
    let spec: JSONDoc

    static let known: Set<String> = ["$ref", "type", "required", "properties", "items", "enum", "pattern", "format", "minLength", "maxLength",
                                     "minimum", "maximum", "oneOf", "anyOf", "allOf", "description", "examples", "example", "default",
                                     "title", "additionalProperties", "readOnly", "writeOnly", "deprecated", "const", "minItems", "maxItems"]

    /// The violations of `value` against `schema` (empty when it conforms), each naming its JSON path.
    func errors(_ value: JSONDoc, _ schema: JSONDoc, at path: String = "$") -> [String] {
        guard case .object(let s) = schema else { return [] }
        if let ref = s["$ref"]?.string { return errors(value, resolve(ref), at: path) }
        var out = s.keys.filter { !Self.known.contains($0) && !$0.hasPrefix("x-") }.map { "\(path): schema keyword \($0) is not checked by this validator" }
        if let types = s["type"] {
            let names = types.array?.compactMap(\.string) ?? [types.string].compactMap { $0 }
            if !names.contains(where: { Self.matches(value, type: $0) }) { out.append("\(path): expected \(names.joined(separator: "|")), got \(Self.kind(value))") }
        }
        if let values = s["enum"]?.array, !values.contains(value) { out.append("\(path): \(value) is not one of the enum values") }
        if let constant = s["const"], constant != value { out.append("\(path): expected the constant \(constant)") }
        if case .string(let text) = value {
            if let pattern = s["pattern"]?.string, text.range(of: pattern, options: .regularExpression) == nil { out.append("\(path): \"\(text)\" does not match \(pattern)") }
            if case .int(let n)? = s["minLength"], text.count < n { out.append("\(path): shorter than \(n)") }
            if case .int(let n)? = s["maxLength"], text.count > n { out.append("\(path): longer than \(n)") }
            switch s["format"]?.string {
            case "date-time"?: if !Self.isDateTime(text) { out.append("\(path): \"\(text)\" is not an RFC 3339 date-time") }
            case "uuid"?: if UUID(uuidString: text) == nil { out.append("\(path): \"\(text)\" is not a UUID") }
            default: break
            }
        }
        if let number = Self.number(value) {
            if let min = s["minimum"].flatMap(Self.number), number < min { out.append("\(path): below \(min)") }
            if let max = s["maximum"].flatMap(Self.number), number > max { out.append("\(path): above \(max)") }
        }
        if case .object(let members) = value {
            for name in s["required"]?.array?.compactMap(\.string) ?? [] where members[name] == nil { out.append("\(path): missing required member \(name)") }
            for (name, sub) in s["properties"]?.object ?? [:] { if let member = members[name] { out += errors(member, sub, at: "\(path).\(name)") } }
        }
        if case .array(let elements) = value, let items = s["items"] {
            for (i, element) in elements.enumerated() { out += errors(element, items, at: "\(path)[\(i)]") }
        }
        if let all = s["allOf"]?.array { for sub in all { out += errors(value, sub, at: path) } }
        if let any = s["anyOf"]?.array, !any.contains(where: { errors(value, $0, at: path).isEmpty }) { out.append("\(path): matches none of anyOf") }
        if let one = s["oneOf"]?.array, one.filter({ errors(value, $0, at: path).isEmpty }).count != 1 { out.append("\(path): does not match exactly one of oneOf") }
        return out
    }

    /// The target of a local `$ref` (`#/components/schemas/Client`).
    func resolve(_ ref: String) -> JSONDoc {
        var node: JSONDoc? = spec
        for part in ref.dropFirst(2).split(separator: "/") { node = node?[String(part).replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")] }
        return node ?? .null
    }

    /// The declared answer of `method path` for `status`: its media type and schema (after `$ref`s).
    func response(_ method: String, _ path: String, _ status: Int) -> (mediaType: String, schema: JSONDoc)? {
        guard var r = spec["paths"]?[path]?[method.lowercased()]?["responses"]?[String(status)] else { return nil }
        if let ref = r["$ref"]?.string { r = resolve(ref) }
        guard let (media, content) = r["content"]?.object?.first else { return nil }
        return (media, content["schema"] ?? .null)
    }

    static func matches(_ value: JSONDoc, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("integer", .int), ("number", .int), ("number", .double),
             ("string", .string), ("array", .array), ("object", .object): true
        default: false
        }
    }

    static func kind(_ value: JSONDoc) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .int: "integer"
        case .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    static func number(_ value: JSONDoc) -> Double? {
        switch value { case .int(let i): Double(i); case .double(let d): d; default: nil }
    }

    /// RFC 3339 `date-time`: full date, `T`, time with optional fraction, and `Z` or an offset.
    static func isDateTime(_ text: String) -> Bool {
        text.range(of: #"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"#, options: .regularExpression) != nil
    }
}
