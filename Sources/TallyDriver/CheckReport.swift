import TallyCheck
import TallySource
import TallySyntax

/// The outcome of `tally check`: every diagnostic of every program named.
public struct CheckReport {
    public var diagnostics: [Diagnostic]
    /// Programs that checked without errors.
    public var programs: [CheckedProgram]
    /// Paths that could not be read.
    public var unreadable: [String]

    /// The exit code `tally check` uses: 2 for I/O problems, 1 for errors, else 0.
    public var exitCode: Int32 {
        if !unreadable.isEmpty { return 2 }
        return diagnostics.hasErrors ? 1 : 0
    }

    /// Parses and checks the programs at `paths` (files or folders).
    public static func check(_ paths: [String]) -> CheckReport {
        let files = ProgramFiles.load(paths)
        var diagnostics = files.diagnostics
        var programs: [CheckedProgram] = []
        for group in files.programs {
            let (program, found) = Checker.check(group)
            // Warnings about a file that did not parse are mostly echoes of the syntax
            // error (a rule "without pay" whose pay clause was malformed): drop them.
            let broken = Set(files.diagnostics.filter { $0.severity == .error }.map { ObjectIdentifier($0.span.file) })
            let groupBroken = group.contains { broken.contains(ObjectIdentifier($0.file)) }
            diagnostics += groupBroken ? found.filter { $0.severity == .error } : found
            if let program { programs.append(program) }
        }
        // A file with syntax errors may not produce a checked program; never report a
        // diagnostic twice when two programs include the same file.
        var unique: [Diagnostic] = []
        for diagnostic in diagnostics where !unique.contains(diagnostic) { unique.append(diagnostic) }
        return CheckReport(diagnostics: unique.sortedForDisplay(), programs: diagnostics.hasErrors ? [] : programs,
                           unreadable: files.unreadable)
    }
}
