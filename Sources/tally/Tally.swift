import ArgumentParser
import Foundation
import TallyDriver
import TallyRun
import TallySource

/// `tally`: the command line. Each subcommand parses its arguments, calls the
/// driver library and renders; no logic lives here.
@main
struct Tally: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tally",
        abstract: "Referral and affiliate commissions as plain-text rules, with an audit trail.",
        subcommands: [Check.self, Fmt.self, PlanCommand.self, Run.self, Explain.self, TestCommand.self, Diff.self, Verify.self,
                      Close.self, Token.self]
    )

    /// Runs the command; a usage mistake exits with 2 (DESIGN.md's exit codes), not
    /// ArgumentParser's 64.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// How diagnostics are printed.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case human, json
}

/// Prints diagnostics to stderr (human) or stdout (json).
func emit(_ diagnostics: [Diagnostic], format: OutputFormat) {
    switch format {
    case .human:
        let colour = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        var text = DiagnosticRenderer(colour: colour).render(diagnostics)
        if !diagnostics.isEmpty { text += DiagnosticRenderer.summary(diagnostics) + "\n" }
        FileHandle.standardError.write(Data(text.utf8))
    case .json:
        let json = JSON.object([
            ("diagnostics", .array(diagnostics.sortedForDisplay().map(\.json))),
            ("errors", .int(Int64(diagnostics.filter { $0.severity == .error }.count))),
            ("warnings", .int(Int64(diagnostics.filter { $0.severity == .warning }.count))),
        ])
        print(json.pretty())
    }
}

func reportUnreadable(_ paths: [String]) {
    for path in paths {
        FileHandle.standardError.write(Data("tally: cannot read `\(path)`: no such file or folder\n".utf8))
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Parse and type-check rule files; print errors and warnings.",
        discussion: """
        Exit code 0 when there is no error (warnings allowed), 1 when there are errors,
        2 when a path cannot be read.

        Example:
          tally check rules/
          tally check --format json rules/acme.tally
        """
    )

    @Option(help: "Output format: human (to stderr) or json (to stdout).")
    var format: OutputFormat = .human

    @Argument(help: "Rule files or folders (default: rules).")
    var paths: [String] = []

    func run() throws {
        let report = CheckReport.check(paths.isEmpty ? ["rules"] : paths)
        reportUnreadable(report.unreadable)
        emit(report.diagnostics, format: format)
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}

struct Fmt: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rewrite rule files in the canonical layout (comments kept).",
        discussion: """
        With --check, nothing is written: the files that are not in canonical layout are
        listed and the exit code is 1.

        Example:
          tally fmt rules/
          tally fmt --check rules/
        """
    )

    @Flag(help: "List files that are not formatted, and exit 1 if any.")
    var check = false

    @Argument(help: "Rule files or folders (default: rules).")
    var paths: [String] = []

    func run() throws {
        let report = FormatReport.format(paths.isEmpty ? ["rules"] : paths, check: check)
        reportUnreadable(report.unreadable)
        emit(report.diagnostics, format: .human)
        for path in report.changed {
            print(check ? "not formatted: \(path)" : "formatted \(path)")
        }
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
        if check, !report.changed.isEmpty { throw ExitCode(1) }
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Dry-run the program over a project's ledgers and write the decision ledger.",
        discussion: """
        Reads tally.yaml in the project folder (or the file given), checks the program, \
        loads and validates the ledgers, runs the program and writes decisions.jsonl, \
        statements.csv, rejects.csv and summary.json into the output folder; the \
        decision ledger a re-run replaces is kept as decisions.previous.jsonl (not by a \
        redacted run). Nothing is paid: months closed with `tally close` stay as they \
        were paid, and differences are booked as corrections in the first open month.

        Exit code 0 when everything loaded, 1 when rule errors or rejected rows were \
        found (the outputs are still written for rejected rows), 2 for usage or I/O problems.

        Example:
          tally run examples/acme
          tally run examples/acme --as-of 2026-04-30 --out /tmp/april
          tally run examples/acme --redact --out /tmp/shareable
          tally run examples/acme --trace decisive
        """
    )

    @Argument(help: "The project folder or its tally.yaml (default: the current folder).")
    var project: String = "."

    @Option(name: .customLong("as-of"), help: "Run as of this date (end of the local day) or ISO timestamp; default: the latest event in the ledgers.")
    var asOf: String?

    @Option(name: .customLong("out"), help: "Write the outputs here instead of the project's output folder.")
    var out: String?

    @Flag(help: "Replace customer keys, emails, ip addresses and device ids by keyed pseudonyms in every output (key: `redaction` in tally.yaml).")
    var redact = false

    @Option(help: ArgumentHelp("How much of each decision's explanation decisions.jsonl carries: full (every touch and rule, the default), decisive (what decided the amount: credited touches, rules that paid, arithmetic, checks, caps) or none (the decision alone).", valueName: "full|decisive|none"))
    var trace: TraceDetail = .full

    func run() throws {
        let started = DispatchTime.now().uptimeNanoseconds
        let run = ProjectRun.run(project, asOf: asOf, output: out, redact: redact, keepTraces: false, trace: trace)
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        if let problem = run.load.usageError ?? run.usageError {
            FileHandle.standardError.write(Data("tally run: \(problem)\n".utf8))
            throw ExitCode(2)
        }
        emit(run.load.diagnostics, format: .human)
        if run.result != nil {
            // Timing goes to the terminal only: the output files never hold a wall clock.
            print(run.summaryText + "in \(String(format: "%.2f", elapsed)) s")
        }
        if let rejects = run.load.loaded?.ledgers.rejects, !rejects.isEmpty, let folder = run.outputFolder {
            FileHandle.standardError.write(Data("tally run: \(rejects.count) row\(rejects.count == 1 ? "" : "s") rejected: see \(folder)/rejects.csv\n".utf8))
        }
        // The process ends here rather than freeing the run's ledgers and decisions one
        // by one (a third of a second on the reference kit's large data): every output is
        // written and closed by now.
        fflush(nil)
        Foundation.exit(Int32(run.exitCode))
    }
}

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tell the story of an order's decisions: touches, credit, rules, adjustments.",
        discussion: """
        Reads decisions.jsonl from the output folder of a run (the project's, or --out).

        Example:
          tally explain '#1013' --out examples/acme/out
        """
    )

    @Argument(help: "The order id.")
    var order: String

    @Option(name: .customLong("out"), help: "The output folder of the run (default: the project's in the current folder, else ./out).")
    var out: String?

    @Option(help: "A project folder whose output folder to read.")
    var project: String?

    @Flag(help: "List every rule, also those for other partner kinds or outside their dates.")
    var all = false

    func run() throws {
        let folder = out ?? Explanation.outputFolder(project: project ?? ".")
        switch Explanation.explain(order: order, folder: folder, all: all) {
        case .success(let text): print(text, terminator: "")
        case .failure(let problem):
            FileHandle.standardError.write(Data("tally explain: \(problem.message)\n".utf8))
            throw ExitCode(problem.exitCode)
        }
    }
}

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Print the compiled evaluation plan (like SQL EXPLAIN).",
        discussion: """
        Example:
          tally plan examples/acme
        """
    )

    @Argument(help: "A project folder, or a rule file or folder.")
    var path: String = "."

    func run() throws {
        switch Explanation.plan(path) {
        case .success(let text): print(text, terminator: "")
        case .failure(let problem):
            if !problem.diagnostics.isEmpty { emit(problem.diagnostics, format: .human) }
            if !problem.message.isEmpty { FileHandle.standardError.write(Data("tally plan: \(problem.message)\n".utf8)) }
            throw ExitCode(problem.exitCode)
        }
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the decision ledger's hash chain, and that a re-run gives the same decisions.",
        discussion: """
        Example:
          tally verify examples/acme
        """
    )

    @Argument(help: "The project folder.")
    var project: String = "."

    @Option(name: .customLong("out"), help: "The output folder to verify (default: the project's).")
    var out: String?

    func run() throws {
        let report = Verification.verify(project: project, output: out)
        print(report.text, terminator: "")
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}

struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run rule test scenarios (YAML: ledgers, expected decisions).",
        discussion: """
        Scenario files are YAML, usually in rules/tests/. Each names its ledgers inline or by
        path and expects decisions, adjustments, totals, unattributed orders or rejects; an
        expectation checks only the fields it names. Exit code 1 when a scenario fails.

        Example:
          tally test rules/
          tally test rules/ --filter refund --coverage
        """
    )

    @Argument(help: "Scenario files or folders (default: rules).")
    var paths: [String] = []

    @Option(help: "Run only scenarios whose name contains this text.")
    var filter: String?

    @Flag(help: "Report which rules, fraud checks and limits no scenario exercised.")
    var coverage = false

    func run() throws {
        let report = RuleTestReport.run(paths.isEmpty ? ["rules"] : paths, filter: filter, coverage: coverage)
        reportUnreadable(report.unreadable)
        emit(report.diagnostics, format: .human)
        print(report.text(), terminator: "")
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "What a rule change would pay: run two rule versions on the same ledgers.",
        discussion: """
        --base names the old rules: a rule file, a rules folder, or a git revision (HEAD,
        HEAD~1, a branch). --rules names the new ones (default: the project's program).

        Example:
          tally diff --base HEAD examples/acme
          tally diff --base old-rules/ --rules rules/ examples/acme --format json
        """
    )

    @Option(help: "The old rules: a file, a folder or a git revision.")
    var base: String

    @Option(help: "The new rules: a file or folder (default: the project's program).")
    var rules: String?

    @Argument(help: "The project folder whose ledgers both versions run on (default: the current folder).")
    var project: String = "."

    @Option(name: .customLong("as-of"), help: "Run both as of this date or timestamp.")
    var asOf: String?

    @Option(help: "Output format: human or json.")
    var format: OutputFormat = .human

    func run() throws {
        switch RuleDiff.diff(project: project, base: base, rules: rules, asOf: asOf) {
        case .success(let diff):
            print(format == .json ? diff.json.pretty() : diff.text(), terminator: format == .json ? "\n" : "")
        case .failure(let failure):
            emit(failure.diagnostics, format: .human)
            FileHandle.standardError.write(Data("tally diff: \(failure.message)\n".utf8))
            throw ExitCode(failure.exitCode)
        }
    }
}

extension TraceDetail: ExpressibleByArgument {}
