import ArgumentParser
import Foundation
import TallyDriver
import TallySource

/// `tally`: the command line. Each subcommand parses its arguments, calls the
/// driver library and renders; no logic lives here.
@main
struct Tally: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tally",
        abstract: "Referral and affiliate commissions as plain-text rules, with an audit trail.",
        subcommands: [Check.self, Fmt.self, Run.self]
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
        abstract: "Dry-run the program over a project's ledgers (not built yet).",
        discussion: """
        Loading ledgers (issue 3) and evaluating the program over them (issue 4) are not
        built yet. Until then `tally run` says so and exits 0; `tally check` checks the
        rules.

        Example:
          tally run examples/acme
        """
    )

    @Argument(help: "The project folder (default: the current folder).")
    var project: String = "."

    func run() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: project, isDirectory: &isDirectory), isDirectory.boolValue else {
            FileHandle.standardError.write(Data("tally run: `\(project)` is not a project folder\n".utf8))
            throw ExitCode(2)
        }
        print("""
        tally run: \(project): evaluating a program over ledgers is not built yet.
        Nothing was read or written. Ledger loading and the runner come next; meanwhile
        `tally check rules/` checks the example program and `tally fmt --check rules/`
        checks its layout.
        """)
    }
}
