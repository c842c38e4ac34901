import Foundation

/// The one way Atrium writes JSON text (audit before/after, job payloads, stored facts): a
/// `JSONEncoder` with sorted keys, so any text a platform, PSP or user supplies is escaped and the
/// same value always gives the same bytes (hash chains and checksums stay stable).
public enum CanonicalJSON {
    /// Encodes `value` with sorted keys and unescaped slashes.
    public static func text(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// A JSON object from named fields of any encodable type (`nil` becomes `null`).
    public static func object(_ fields: [String: any Encodable]) throws -> String {
        try text(Fields(fields: fields))
    }

    /// Decodes JSON text made by `text` or `object` (or any JSON of the same shape).
    public static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }

    private struct Fields: Encodable {
        let fields: [String: any Encodable]

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            for (name, value) in fields {
                try container.encode(value, forKey: Key(stringValue: name))
            }
        }
    }
}
