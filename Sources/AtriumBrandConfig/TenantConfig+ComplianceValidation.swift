import Foundation

extension TenantConfig {
    /// Problems of the `compliance:` block: the screening threshold, and AML rule ids, params and ranges.
    func complianceProblems() -> [ConfigValidationError.Problem] {
        guard let c = compliance else { return [] }
        var p: [ConfigValidationError.Problem] = []
        if let t = c.screeningThreshold, !(t >= 0 && t <= 1) {
            p.append(.init(path: "compliance.screening_threshold", expected: "a score between 0 and 1 (default 0.88)"))
        }
        let known = AMLRuleCatalog.all.map(\.id)
        for (id, rule) in (c.amlRules ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let spec = AMLRuleCatalog.spec(id) else {
                p.append(.init(path: "compliance.aml_rules.\(id)", expected: "a known rule id: \(known.joined(separator: ", "))"))
                continue
            }
            for (name, value) in (rule.params ?? [:]).sorted(by: { $0.key < $1.key }) {
                let path = "compliance.aml_rules.\(id).params.\(name)"
                guard let param = spec.param(name) else {
                    p.append(.init(path: path, expected: "a parameter of \(id): \(spec.params.map(\.name).joined(separator: ", "))"))
                    continue
                }
                if !param.range.contains(value) {
                    p.append(.init(path: path, expected: "\(param.meaning), between \(param.range.lowerBound) and \(param.range.upperBound)"))
                }
            }
        }
        return p
    }
}
