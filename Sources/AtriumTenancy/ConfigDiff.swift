import AtriumBrandConfig
import AtriumCore
import Foundation

/// The field-by-field difference between two brand configurations, with paths in the same
/// notation as validation problems (`psps[0].max_amount_minor`). Secret fields carry no values:
/// only whether they changed.
public struct ConfigDiff: Sendable, Equatable {
    /// One differing field.
    public struct Change: Sendable, Equatable {
        public var path: String
        /// The old and new values as JSON text; nil where the field is absent, or where it is a secret.
        public var old: String?
        public var new: String?
        /// A credential (`api_key`, `webhook_secret`, `manager_login`, `manager_password`): values are never shown.
        public var isSecret: Bool
        /// For a secret: whether it was set before and is set after (its values stay hidden).
        public var wasSet: Bool
        public var isSet: Bool

        public init(path: String, old: String?, new: String?, isSecret: Bool, wasSet: Bool = false, isSet: Bool = false) {
            self.path = path
            self.old = old
            self.new = new
            self.isSecret = isSecret
            self.wasSet = wasSet
            self.isSet = isSet
        }
    }

    public var changes: [Change]

    /// Field names that hold credentials; their values are replaced by "changed"/"unchanged".
    public static let secretFields: Set<String> = ["api_key", "webhook_secret", "manager_login", "manager_password"]

    /// Every leaf path whose value differs between `old` and `new`, sorted by path.
    public static func between(_ old: TenantConfig, _ new: TenantConfig) throws -> ConfigDiff {
        let a = try leaves(of: old), b = try leaves(of: new)
        let paths = Set(a.keys).union(b.keys).sorted()
        let changes = paths.compactMap { path -> Change? in
            guard a[path] != b[path] else { return nil }
            let secret = secretFields.contains(lastKey(path))
            return Change(path: path, old: secret ? nil : a[path], new: secret ? nil : b[path], isSecret: secret,
                          wasSet: secret && a[path] != nil, isSet: secret && b[path] != nil)
        }
        return ConfigDiff(changes: changes)
    }

    /// The paths that changed.
    public var paths: [String] { changes.map(\.path) }

    /// Leaf values of the canonical JSON form, keyed by path; an empty list or map is a leaf.
    static func leaves(of config: TenantConfig) throws -> [String: String] {
        let tree = try JSONDecoder().decode(JSONNode.self, from: Data(try config.canonicalJSON().utf8))
        var out: [String: String] = [:]
        tree.walk(path: "", into: &out)
        return out
    }

    static func lastKey(_ path: String) -> String {
        String(path.split(separator: ".").last ?? Substring(path))
    }
}

extension ConfigDiff {
    /// Whether a change touches what four-eyes guards: PSP credentials and amount limits, the
    /// withdrawal limits, and the four-eyes switch itself (so it cannot be turned off alone).
    public var needsSecondApprover: Bool {
        paths.contains { path in
            if path.hasPrefix("psps[") {
                return ["api_key", "webhook_secret", "min_amount_minor", "max_amount_minor"].contains(Self.lastKey(path))
            }
            return path.hasPrefix("withdrawals.auto_approve_max_minor") || path.hasPrefix("withdrawals.dual_approval_above_minor")
                || path == "withdrawals.max_per_day" || path == "security.four_eyes"
        }
    }
}

/// A parsed JSON value, so the diff walks typed nodes rather than Foundation's bridged objects.
enum JSONNode: Decodable {
    case null, bool(Bool), int(Int64), double(Double), string(String), list([JSONNode]), map([String: JSONNode])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let l = try? c.decode([JSONNode].self) { self = .list(l) }
        else { self = .map(try c.decode([String: JSONNode].self)) }
    }

    func walk(path: String, into out: inout [String: String]) {
        switch self {
        case .map(let m) where !m.isEmpty:
            for (k, v) in m { v.walk(path: path.isEmpty ? k : "\(path).\(k)", into: &out) }
        case .list(let l) where !l.isEmpty:
            for (i, v) in l.enumerated() { v.walk(path: "\(path)[\(i)]", into: &out) }
        default:
            out[path] = text
        }
    }

    /// The value as JSON text.
    var text: String {
        switch self {
        case .null: "null"
        case .bool(let b): b ? "true" : "false"
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .string(let s): String(decoding: (try? JSONEncoder().encode(s)) ?? Data(), as: UTF8.self)
        case .list: "[]"
        case .map: "{}"
        }
    }
}
