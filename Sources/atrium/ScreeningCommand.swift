import ArgumentParser
import AtriumCompliance
import Foundation

/// `atrium screening`: the name matcher from the command line, for compliance officers tuning
/// the threshold and for the quality benchmark. No database.
struct ScreeningCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "screening", abstract: "Sanctions name matching tools.",
                                                    subcommands: [Score.self])

    /// `atrium screening score "A" "B"` or `--pairs FILE.csv`.
    struct Score: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "score",
            abstract: "Score two names and explain the score, or score a CSV of pairs (columns name1,name2) one line per pair.")
        @Option(name: .long, help: "CSV file with columns name1,name2 (header row allowed).") var pairs: String?
        @Argument(help: "Two names.") var names: [String] = []

        func validate() throws {
            if pairs == nil && names.count != 2 { throw ValidationError("give two names, or --pairs FILE.csv") }
            if pairs != nil && !names.isEmpty { throw ValidationError("give either two names or --pairs, not both") }
        }

        func run() async throws {
            try await Runtime.guarded {
                if let path = pairs {
                    for pair in try NamePairFile.read(path: path) { say(ScreeningScoreReport.line(pair)) }
                } else {
                    say(ScreeningScoreReport.explain(names[0], names[1]))
                }
            }
        }
    }
}
