import ArgumentParser
import Foundation
import TallyDriver

struct Close: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Book the months up to a period as paid, in the project's paid ledger.",
        discussion: """
        Runs the program and appends to the paid ledger (paid.jsonl beside tally.yaml, or \
        `paid:` in tally.yaml) what the months not yet closed, up to --period, count: each \
        decision and adjustment, and each referrer's statement. The ledger is hash-chained \
        and only appended to. Later runs never change a closed month: a late order, a late \
        refund or a rule change becomes a correction record in the first open month.

        Example:
          tally close examples/acme --period 2026-03
        """
    )

    @Argument(help: "The project folder or its tally.yaml (default: the current folder).")
    var project: String = "."

    @Option(help: "The last month to close, as 2026-03.")
    var period: String

    @Option(name: .customLong("as-of"), help: "Run as of this date or timestamp; it must be after the period (default: the latest event).")
    var asOf: String?

    @Option(name: .customLong("out"), help: "Write the run's outputs here instead of the project's output folder.")
    var out: String?

    func run() throws {
        let outcome = PeriodClose.close(project: project, period: period, asOf: asOf, output: out)
        if outcome.exitCode == 0 {
            print(outcome.text, terminator: "")
        } else {
            FileHandle.standardError.write(Data(outcome.text.utf8))
            throw ExitCode(outcome.exitCode)
        }
    }
}
