import Foundation
import Yams

/// A JSON value read from the OpenAPI YAML with its members in document order, so the reference
/// page lists paths, operations and properties as the spec's authors wrote them.
indirect enum SpecValue: Sendable, Equatable {
    case object([(String, SpecValue)])
    case array([SpecValue])
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case null

    static func == (lhs: SpecValue, rhs: SpecValue) -> Bool {
        switch (lhs, rhs) {
        case let (.object(a), .object(b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.array(a), .array(b)): a == b
        case let (.string(a), .string(b)): a == b
        case let (.int(a), .int(b)): a == b
        case let (.double(a), .double(b)): a == b
        case let (.bool(a), .bool(b)): a == b
        case (.null, .null): true
        default: false
        }
    }

    /// Converts a composed YAML node. Quoted scalars stay strings (`'200'` is a status code, not
    /// a number); plain ones take the type YAML 1.2's core schema gives them.
    init(node: Node) throws {
        switch node {
        case .scalar(let scalar):
            guard scalar.style == .plain else { self = .string(scalar.string); return }
            switch Resolver.default.resolveTag(of: node) {
            case .int: self = node.int.map(SpecValue.int) ?? .string(scalar.string)
            case .float: self = node.float.map(SpecValue.double) ?? .string(scalar.string)
            case .bool: self = node.bool.map(SpecValue.bool) ?? .string(scalar.string)
            case .null: self = .null
            default: self = .string(scalar.string)
            }
        case .mapping(let mapping):
            self = .object(try mapping.map { key, value in
                guard let name = key.string else { throw APISpecError.invalid("a mapping key at line \(key.mark?.line ?? 0) is not a scalar") }
                return (name, try SpecValue(node: value))
            })
        case .sequence(let sequence):
            self = .array(try sequence.map(SpecValue.init(node:)))
        case .alias:
            throw APISpecError.invalid("YAML aliases are not used in the API specs")
        }
    }

    /// The member `name` of an object (nil for anything else or a missing member).
    subscript(name: String) -> SpecValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == name }?.1
    }

    /// The members of an object in document order (empty for anything else).
    var members: [(String, SpecValue)] { if case .object(let m) = self { m } else { [] } }

    /// The elements of an array (empty for anything else).
    var elements: [SpecValue] { if case .array(let a) = self { a } else { [] } }

    /// The value as text when it is a string.
    var text: String? { if case .string(let s) = self { s } else { nil } }

    /// A scalar written for the reader (`100`, `true`, `"USD"` → `USD`).
    var display: String {
        switch self {
        case .string(let s): s
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .bool(let b): b ? "true" : "false"
        case .null: "null"
        case .array(let a): a.map(\.display).joined(separator: ", ")
        case .object: "{…}"
        }
    }
}

extension SpecValue: Encodable {
    private struct Key: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .object(let members):
            var container = encoder.container(keyedBy: Key.self)
            for (name, value) in members { try container.encode(value, forKey: Key(stringValue: name)) }
        case .array(let elements):
            var container = encoder.unkeyedContainer()
            for element in elements { try container.encode(element) }
        case .string(let s): var c = encoder.singleValueContainer(); try c.encode(s)
        case .int(let i): var c = encoder.singleValueContainer(); try c.encode(i)
        case .double(let d): var c = encoder.singleValueContainer(); try c.encode(d)
        case .bool(let b): var c = encoder.singleValueContainer(); try c.encode(b)
        case .null: var c = encoder.singleValueContainer(); try c.encodeNil()
        }
    }
}

/// The API spec on disk is missing or not what the server can serve.
public enum APISpecError: Error, CustomStringConvertible {
    case missing(String)
    case invalid(String)

    public var description: String {
        switch self {
        case .missing(let path): "API spec \(path) not found: set ATRIUM_API_SPECS to the folder holding AtriumBrandAPI/openapi.yaml and AtriumPlatformAPI/openapi.yaml (the checkout's Sources)"
        case .invalid(let detail): "API spec: \(detail)"
        }
    }
}
