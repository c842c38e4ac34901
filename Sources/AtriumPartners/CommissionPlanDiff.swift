import AtriumCore
import Foundation

/// One field that differs between two plan versions, named by its JSON path as
/// `CommissionPlan.problems` names fields (`rebates[0].per_lot_minor[1]`). A missing side is nil.
public struct PlanFieldChange: Sendable, Equatable {
    public let field: String
    public let before: String?
    public let after: String?
    public init(field: String, before: String?, after: String?) {
        self.field = field
        self.before = before
        self.after = after
    }
}

/// Field-by-field comparison of plan versions, from their canonical JSON, so the diff covers
/// every field the body stores without a hand-kept list of them.
public enum CommissionPlanDiff {
    /// What changed from `old` to `new`, in path order; `effective_from` first when it differs.
    public static func changes(from old: CommissionPlan, effectiveFrom oldFrom: Date? = nil,
                               to new: CommissionPlan, effectiveFrom newFrom: Date? = nil) throws -> [PlanFieldChange] {
        var out: [PlanFieldChange] = []
        if oldFrom != newFrom {
            out.append(PlanFieldChange(field: "effective_from", before: oldFrom?.formatted(.iso8601), after: newFrom?.formatted(.iso8601)))
        }
        let a = try flatten(old), b = try flatten(new)
        for path in Set(a.keys).union(b.keys).sorted(by: pathOrder) where a[path] != b[path] {
            out.append(PlanFieldChange(field: path, before: a[path], after: b[path]))
        }
        return out
    }

    /// Leaf path → value text of a plan's canonical JSON (`null` values are left out, as absent).
    static func flatten(_ plan: CommissionPlan) throws -> [String: String] {
        let value = try CanonicalJSON.decode(JSONLeaf.self, from: try CanonicalJSON.text(plan))
        var out: [String: String] = [:]
        func walk(_ v: JSONLeaf, _ path: String) {
            switch v {
            case .null: break
            case .scalar(let text): out[path] = text
            case .array(let items):
                if items.isEmpty { out[path] = "[]" }
                for (i, item) in items.enumerated() { walk(item, "\(path)[\(i)]") }
            case .object(let fields):
                for (k, item) in fields { walk(item, path.isEmpty ? k : "\(path).\(k)") }
            }
        }
        walk(value, "")
        return out
    }

    /// Paths sort by their parts, numbers numerically (`rebates[2]` before `rebates[10]`).
    static func pathOrder(_ a: String, _ b: String) -> Bool {
        let x = parts(a), y = parts(b)
        for (p, q) in zip(x, y) where p != q {
            if let m = Int(p), let n = Int(q) { return m < n }
            return p < q
        }
        return x.count < y.count
    }

    private static func parts(_ path: String) -> [String] {
        path.split(whereSeparator: { $0 == "." || $0 == "[" || $0 == "]" }).map(String.init)
    }

    /// A JSON value with scalars kept as their text, for comparing and showing.
    enum JSONLeaf: Decodable {
        case null
        case scalar(String)
        case array([JSONLeaf])
        case object([String: JSONLeaf])

        init(from decoder: any Decoder) throws {
            if var items = try? decoder.unkeyedContainer() {
                var out: [JSONLeaf] = []
                while !items.isAtEnd { out.append(try items.decode(JSONLeaf.self)) }
                self = .array(out)
                return
            }
            if let fields = try? decoder.container(keyedBy: AnyKey.self) {
                var out: [String: JSONLeaf] = [:]
                for key in fields.allKeys { out[key.stringValue] = try fields.decode(JSONLeaf.self, forKey: key) }
                self = .object(out)
                return
            }
            let single = try decoder.singleValueContainer()
            if single.decodeNil() { self = .null }
            else if let b = try? single.decode(Bool.self) { self = .scalar(b ? "true" : "false") }
            else if let i = try? single.decode(Int64.self) { self = .scalar(String(i)) }
            else { self = .scalar(try single.decode(String.self)) }
        }
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
