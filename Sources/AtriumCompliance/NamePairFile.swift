import CSV
import Foundation

/// A CSV file of name pairs (`name1,name2`, a header row allowed, further columns ignored) for
/// `atrium screening score --pairs` and the quality benchmark.
public enum NamePairFile {
    /// One pair and the line it starts on.
    public struct Pair: Sendable, Equatable {
        public let line: Int
        public let name1: String
        public let name2: String
        /// The remaining columns (the labelled set's `label` and `category`).
        public let extra: [String]
    }

    /// A file that cannot be read as pairs, naming the file and the line.
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public let path: String
        public let line: Int?
        public let reason: String
        public init(path: String, line: Int?, reason: String) {
            self.path = path
            self.line = line
            self.reason = reason
        }
        public var description: String { line.map { "\(path):\($0): \(reason)" } ?? "\(path): \(reason)" }
    }

    /// Reads the pairs of the file at `path`.
    public static func read(path: String) throws -> [Pair] {
        guard let data = FileManager.default.contents(atPath: path) else { throw Failure(path: path, line: nil, reason: "cannot read the file") }
        guard let text = String(data: data, encoding: .utf8) else { throw Failure(path: path, line: nil, reason: "not UTF-8 text") }
        return try parse(text, path: path)
    }

    /// Parses CSV text; `path` names the source in errors.
    public static func parse(_ text: String, path: String) throws -> [Pair] {
        let reader: CSVReader
        do { reader = try CSVReader(string: text, hasHeaderRow: false) } catch {
            throw Failure(path: path, line: 1, reason: "not CSV (\(error))")
        }
        var pairs: [Pair] = []
        var line = 1
        var first = true
        while let row = reader.next() {
            let start = line
            // A quoted field may span lines: the next row starts after them.
            line += 1 + row.reduce(0) { $0 + $1.filter { $0 == "\n" }.count }
            if row.count == 1 && row[0].trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let cells = row.map { $0.trimmingCharacters(in: .whitespaces) }
            if first {
                first = false
                if cells.count >= 2 && cells[0].lowercased() == "name1" && cells[1].lowercased() == "name2" { continue }
            }
            guard cells.count >= 2 else { throw Failure(path: path, line: start, reason: "expected 2 columns (name1,name2), found \(cells.count)") }
            guard !cells[0].isEmpty else { throw Failure(path: path, line: start, reason: "name1 is empty") }
            guard !cells[1].isEmpty else { throw Failure(path: path, line: start, reason: "name2 is empty") }
            pairs.append(Pair(line: start, name1: cells[0], name2: cells[1], extra: Array(cells.dropFirst(2))))
        }
        if let error = reader.error { throw Failure(path: path, line: line, reason: "malformed CSV (\(error))") }
        if pairs.isEmpty { throw Failure(path: path, line: nil, reason: "no name pairs") }
        return pairs
    }
}

/// Text output of `atrium screening score`.
public enum ScreeningScoreReport {
    /// The score of two names and its explanation, one fact a line.
    public static func explain(_ a: String, _ b: String) -> String {
        let (score, pairs) = NameScorer.score(a, b)
        var lines = [String(format: "score %.4f", score), "name 1: \(a)", "name 2: \(b)",
                     "normalised: \(NameNormalizer.words(a).joined(separator: " ")) | \(NameNormalizer.words(b).joined(separator: " "))",
                     "token pairs:"]
        for p in pairs {
            let left = p.subject.isEmpty ? "-" : p.subject, right = p.listed.isEmpty ? "-" : p.listed
            lines.append("  \(left) ~ \(right)  " + String(format: "%.4f", p.similarity) + "  \(p.how)")
        }
        return lines.joined(separator: "\n")
    }

    /// One line per pair: score, name1, name2 (tab-separated).
    public static func line(_ pair: NamePairFile.Pair) -> String {
        String(format: "%.4f", NameScorer.score(pair.name1, pair.name2).score) + "\t\(pair.name1)\t\(pair.name2)"
    }
}
