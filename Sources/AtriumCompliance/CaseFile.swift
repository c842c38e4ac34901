import AtriumCore
import Crypto
import Foundation
import ZIPFoundation

/// The exported case file of an investigation: a ZIP with `facts.json`, `audit-segment.json`,
/// `anchor.json` and `manifest.json` (SHA-256 of the other three). `CaseFile.verify` checks one
/// offline, as `atrium audit verify-export` does. See docs/COMPLIANCE-RISK.md, "Case file export".
public enum CaseFile {
    /// The manifest's `format`.
    public static let format = "atrium-case-file/1"
    static let factsName = "facts.json", segmentName = "audit-segment.json", anchorName = "anchor.json", manifestName = "manifest.json"

    /// JSON with a stable key order, so the same facts give the same bytes.
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return e
    }

    /// The ZIP bytes of a case file.
    public static func build(facts: InvestigationFacts, segment: CaseFileSegment, anchor: CaseFileAnchor) throws -> Data {
        let e = encoder()
        let files: [(String, Data)] = [(factsName, try e.encode(facts)), (segmentName, try e.encode(segment)), (anchorName, try e.encode(anchor))]
        let manifest = CaseFileManifest(files: Dictionary(uniqueKeysWithValues: files.map { ($0.0, Token.hex(SHA256.hash(data: $0.1))) }))
        return try zip(files + [(manifestName, try e.encode(manifest))])
    }

    /// A ZIP of `files` in the given order.
    public static func zip(_ files: [(String, Data)]) throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        for (name, data) in files {
            try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count), modificationDate: Date(timeIntervalSince1970: 0),
                                 compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        guard let data = archive.data else { throw CaseFileProblem(description: "zip: the archive could not be written") }
        return data
    }

    /// The files of a ZIP by name.
    public static func unzip(_ data: Data) throws -> [String: Data] {
        let archive: Archive
        do { archive = try Archive(data: data, accessMode: .read) } catch { throw CaseFileProblem(description: "zip: not a readable ZIP archive") }
        var files: [String: Data] = [:]
        for entry in archive where entry.type == .file {
            var out = Data()
            do { _ = try archive.extract(entry) { out.append($0) } } catch { throw CaseFileProblem(description: "zip: \(entry.path) cannot be read") }
            files[entry.path] = out
        }
        return files
    }

    /// The hash `audit_row_hash` (tenant migration 0002) gives this row: SHA-256 of the previous
    /// hash followed by the UTF-8 of seq, epoch microseconds, actor, action, subject, before
    /// (`-` for NULL), after (`-` for NULL) and request id joined by U+001F.
    public static func rowHash(_ row: CaseFileAuditRow, prev: [UInt8]) -> [UInt8] {
        let text = [String(row.seq), row.atMicros, row.actor, row.action, row.subject, row.before ?? "-", row.after ?? "-", row.requestID]
            .joined(separator: "\u{1F}")
        return Array(SHA256.hash(data: prev + Array(text.utf8)))
    }

    /// Every problem found in a case file, in the order checked; empty when it verifies.
    public static func verify(_ zipData: Data) -> [String] {
        let files: [String: Data]
        do { files = try unzip(zipData) } catch { return ["\(error)"] }
        var problems: [String] = []
        guard let manifestData = files[manifestName] else { return ["manifest: manifest.json is missing"] }
        guard let manifest = try? JSONDecoder().decode(CaseFileManifest.self, from: manifestData) else { return ["manifest: manifest.json is not a case file manifest"] }
        if manifest.format != format { problems.append("manifest: unknown format \(manifest.format)") }
        for name in [factsName, segmentName, anchorName] {
            guard let data = files[name] else { problems.append("manifest: \(name) is missing"); continue }
            guard let listed = manifest.files[name] else { problems.append("manifest: \(name) is not listed"); continue }
            if listed != Token.hex(SHA256.hash(data: data)) { problems.append("manifest: \(name) SHA-256 does not match (the file was changed)") }
        }
        for name in files.keys.sorted() where name != manifestName && manifest.files[name] == nil {
            problems.append("manifest: \(name) is not listed")
        }
        let decoder = JSONDecoder()
        guard let segmentData = files[segmentName], let segment = try? decoder.decode(CaseFileSegment.self, from: segmentData) else {
            return problems + ["segment: audit-segment.json is missing or unreadable"]
        }
        guard let anchorData = files[anchorName], let anchor = try? decoder.decode(CaseFileAnchor.self, from: anchorData) else {
            return problems + ["anchor: anchor.json is missing or unreadable"]
        }
        guard let factsData = files[factsName], let facts = try? decoder.decode(InvestigationFacts.self, from: factsData) else {
            return problems + ["facts: facts.json is missing or unreadable"]
        }
        problems += verifyChain(segment.rows)
        problems += verifyAnchor(anchor, segment: segment)
        let bySeq = Dictionary(segment.rows.map { ($0.seq, $0) }, uniquingKeysWith: { first, _ in first })
        for cited in facts.audit {
            guard let row = bySeq[cited.seq] else { problems.append("facts: cited audit seq \(cited.seq) is not in the segment"); continue }
            if row.hash != cited.hash || row.prevHash != cited.prevHash || row.action != cited.action || row.actor != cited.actor {
                problems.append("facts: cited audit seq \(cited.seq) does not match the segment row")
            }
        }
        return problems
    }

    /// Recomputes every row's hash and checks that each row links to the one before it.
    static func verifyChain(_ rows: [CaseFileAuditRow]) -> [String] {
        guard !rows.isEmpty else { return ["segment: no audit rows"] }
        var problems: [String] = []
        var previous: CaseFileAuditRow?
        for row in rows {
            if let previous {
                if row.seq != previous.seq + 1 { problems.append("segment: seq \(row.seq) follows seq \(previous.seq) (rows are missing)") }
                if row.prevHash != previous.hash { problems.append("segment: seq \(row.seq) does not link to the hash of seq \(previous.seq)") }
            }
            guard let prev = bytes(row.prevHash) else { problems.append("segment: seq \(row.seq) prev_hash is not hex"); previous = row; continue }
            if Token.hex(rowHash(row, prev: prev)) != row.hash { problems.append("segment: seq \(row.seq) hash does not match its contents") }
            previous = row
        }
        return problems
    }

    /// The anchor must name the segment's tenant and its seq and hash must be a row of the segment.
    static func verifyAnchor(_ anchor: CaseFileAnchor, segment: CaseFileSegment) -> [String] {
        var problems: [String] = []
        if anchor.tenantID != segment.tenantID { problems.append("anchor: tenant \(anchor.tenantID) is not the segment's tenant \(segment.tenantID)") }
        guard let row = segment.rows.first(where: { $0.seq == anchor.seq }) else {
            return problems + ["anchor: anchored seq \(anchor.seq) is not in the segment"]
        }
        if row.hash != anchor.hash { problems.append("anchor: hash of anchored seq \(anchor.seq) does not match the segment") }
        if segment.rows.last?.seq != anchor.seq { problems.append("anchor: the segment does not end at the anchored seq \(anchor.seq)") }
        return problems
    }


    static func bytes(_ hex: String) -> [UInt8]? {
        let chars = Array(hex.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let b = UInt8(String(decoding: chars[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(b)
            i += 2
        }
        return out
    }
}

/// Why a case file could not be read or written.
public struct CaseFileProblem: Error, CustomStringConvertible, Sendable {
    public let description: String
}
