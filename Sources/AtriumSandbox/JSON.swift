import Foundation

/// A decoded JSON request value. Numbers are kept as their text so that no floating point is
/// ever involved; integer fields are parsed from that text strictly.
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses a request body; `nil` when it is not a JSON object.
    static func object(from body: [UInt8]) -> [String: JSONValue]? {
        guard !body.isEmpty,
              case .object(let fields)? = try? JSONDecoder().decode(JSONValue.self, from: Data(body))
        else { return nil }
        return fields
    }

    /// The text of a string or a number; nil otherwise.
    var text: String? {
        switch self {
        case .string(let text), .number(let text): return text
        default: return nil
        }
    }

    /// A string value only.
    var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// An integer given as a JSON number or a string of digits.
    var integer: Int64? {
        guard let text else { return nil }
        return FixedPoint.parseInteger(text)
    }
}

extension JSONValue: Decodable {
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .number(String(value))
        } else if let value = try? container.decode(UInt64.self) {
            self = .number(String(value))
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else if let value = try? container.decode([String: JSONValue].self) {
            self = .object(value)
        } else {
            // A number with a fraction or an exponent: kept as Decimal text, never as a Double.
            let value = try container.decode(Decimal.self)
            self = .number(value.description)
        }
    }
}

/// JSON encoding of the answers.
enum JSONOut {
    static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else {
            return Array(#"{"error":"encoding failed"}"#.utf8)
        }
        return Array(data)
    }

    /// A JSON response with the given status.
    static func response(_ status: Int, _ value: some Encodable, headers: [(String, String)] = []) -> SandboxHTTPResponse {
        SandboxHTTPResponse(
            status: status,
            headers: [("Content-Type", "application/json")] + headers,
            body: encode(value)
        )
    }
}

/// A `{"error": "…"}` body of the control endpoints.
struct ControlError: Encodable {
    var error: String
}
