import ArgumentParser
import AtriumCompliance
import Foundation

/// `atrium audit verify-export FILE`: checks a compliance case file offline (no database): the
/// manifest's SHA-256 of every file, the audit rows' hashes recomputed as `audit_row_hash` does,
/// their links, the anchor, and that every cited entry is in the segment.
struct VerifyExport: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify-export",
                                                    abstract: "Verify an investigation case file ZIP offline; prints OK or what failed, exits 1 on failure.")
    @Argument(help: "The case file (.zip) exported from /admin/compliance/investigate.") var file: String

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            say("FAILED: \(file) cannot be read")
            throw ExitCode(1)
        }
        let problems = CaseFile.verify(data)
        guard problems.isEmpty else {
            say("FAILED")
            for problem in problems { say("  \(problem)") }
            throw ExitCode(1)
        }
        say("OK")
    }
}
