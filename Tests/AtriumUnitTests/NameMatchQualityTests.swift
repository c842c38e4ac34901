import AtriumBrandConfig
import AtriumCompliance
import Foundation
import Testing

/// The labelled name pairs (Tests/Fixtures/screening/name-pairs.csv) at the brand default
/// threshold: precision ≥ 0.85 and recall ≥ 0.90 (issue 13). Figures in docs/PERFORMANCE.md.
@Suite struct NameMatchQualityTests {
    @Test func precisionAndRecallAtTheDefaultThreshold() throws {
        let pairs = try NamePairFile.read(path: RepositoryPaths.root + "/Tests/Fixtures/screening/name-pairs.csv")
        #expect(pairs.count >= 300)
        let threshold = TenantConfig.Compliance().resolvedScreeningThreshold
        var tp = 0, fp = 0, fn = 0
        for p in pairs {
            let label = p.extra.first ?? ""
            #expect(label == "0" || label == "1", "line \(p.line) has no 0/1 label")
            let positive = label == "1"
            let hit = NameScorer.score(p.name1, p.name2).score >= threshold
            if hit && positive { tp += 1 } else if hit { fp += 1 } else if positive { fn += 1 }
        }
        let precision = Double(tp) / Double(tp + fp), recall = Double(tp) / Double(tp + fn)
        #expect(precision >= 0.85, "precision \(precision)")
        #expect(recall >= 0.90, "recall \(recall)")
    }
}
