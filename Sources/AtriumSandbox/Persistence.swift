import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Errors of loading or writing the data directory.
enum PersistenceError: Error, CustomStringConvertible {
    case cannotOpen(String)
    case corruptJournal(line: Int)
    case renameFailed(String)

    var description: String {
        switch self {
        case .cannotOpen(let path): return "cannot open \(path)"
        case .corruptJournal(let line): return "journal.jsonl line \(line) is not a valid record"
        case .renameFailed(let path): return "cannot rename the snapshot into \(path)"
        }
    }
}

/// `snapshot.json` + `journal.jsonl` in a data directory. Every committed operation is one
/// JSON line appended (a plain write, which survives the process being killed); `compact`
/// writes the snapshot atomically and empties the journal.
final class Journal {
    let directory: URL
    private let journalURL: URL
    private let snapshotURL: URL
    private let handle: FileHandle
    private let encoder = JSONEncoder()

    /// The state found in the directory: the snapshot (if any) and the journal records after it.
    struct Loaded {
        var snapshot: Snapshot?
        var mutations: [Mutation]
    }

    /// Opens (creating when needed) the directory and its journal, and reads what it holds.
    /// A last journal line that is cut short is dropped and cut off the file.
    static func open(directory path: String) throws -> (Journal, Loaded) {
        let directory = URL(fileURLWithPath: path, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let journalURL = directory.appendingPathComponent("journal.jsonl")
        let snapshotURL = directory.appendingPathComponent("snapshot.json")

        var snapshot: Snapshot?
        if FileManager.default.fileExists(atPath: snapshotURL.path) {
            snapshot = try JSONDecoder().decode(Snapshot.self, from: Data(contentsOf: snapshotURL))
        }
        if !FileManager.default.fileExists(atPath: journalURL.path) {
            guard FileManager.default.createFile(atPath: journalURL.path, contents: Data()) else {
                throw PersistenceError.cannotOpen(journalURL.path)
            }
        }
        let data = try Data(contentsOf: journalURL)
        let (mutations, validLength) = try readJournal(data)

        guard let handle = FileHandle(forUpdatingAtPath: journalURL.path) else {
            throw PersistenceError.cannotOpen(journalURL.path)
        }
        if validLength < UInt64(data.count) { try handle.truncate(atOffset: validLength) }
        try handle.seekToEnd()
        let journal = Journal(directory: directory, journalURL: journalURL, snapshotURL: snapshotURL, handle: handle)
        return (journal, Loaded(snapshot: snapshot, mutations: mutations))
    }

    private init(directory: URL, journalURL: URL, snapshotURL: URL, handle: FileHandle) {
        self.directory = directory
        self.journalURL = journalURL
        self.snapshotURL = snapshotURL
        self.handle = handle
    }

    deinit {
        try? handle.close()
    }

    /// Decodes the journal's lines. The last line may be cut short (a write interrupted by the
    /// process dying): it is ignored. A bad line before the last one is an error.
    /// Returns the records and the length of the part that is kept.
    static func readJournal(_ data: Data) throws -> ([Mutation], UInt64) {
        let decoder = JSONDecoder()
        var lines = [(start: Int, end: Int)]()
        data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            guard let base = buffer.baseAddress else { return }
            var start = 0
            while start < buffer.count, let found = memchr(base + start, 0x0A, buffer.count - start) {
                let end = base.distance(to: UnsafeRawPointer(found))
                lines.append((start, end))
                start = end + 1
            }
        }
        let start = lines.last.map { $0.end + 1 } ?? 0
        let unterminatedTail = start < data.count
        var mutations = [Mutation]()
        var validLength = 0
        for (number, line) in lines.enumerated() {
            if line.end == line.start {
                validLength = line.end + 1
                continue
            }
            do {
                mutations.append(try decoder.decode(Mutation.self, from: data.subdata(in: line.start..<line.end)))
                validLength = line.end + 1
            } catch {
                let isLast = number == lines.count - 1 && !unterminatedTail
                if isLast { break }
                throw PersistenceError.corruptJournal(line: number + 1)
            }
        }
        return (mutations, UInt64(validLength))
    }

    /// Appends one record as one line.
    func append(_ mutation: Mutation) throws {
        var data = try encoder.encode(mutation)
        data.append(0x0A)
        try handle.write(contentsOf: data)
    }

    /// Writes the snapshot to a temporary file, renames it over `snapshot.json`, then empties
    /// the journal. A crash in between leaves a journal that replays idempotently.
    func compact(_ snapshot: Snapshot) throws {
        let data = try encoder.encode(snapshot)
        let temporary = directory.appendingPathComponent("snapshot.json.tmp")
        try data.write(to: temporary)
        guard rename(temporary.path, snapshotURL.path) == 0 else {
            throw PersistenceError.renameFailed(snapshotURL.path)
        }
        try handle.truncate(atOffset: 0)
        try handle.seekToEnd()
    }
}
