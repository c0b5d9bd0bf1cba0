import Foundation
import TallySource
import TallySyntax

/// The outcome of `tally fmt` over some files.
public struct FormatReport {
    /// Files whose text is not canonical (with `--check`) or that were rewritten.
    public var changed: [String] = []
    /// Syntax errors that kept a file from being formatted.
    public var diagnostics: [Diagnostic] = []
    public var unreadable: [String] = []

    public var exitCode: Int32 {
        if !unreadable.isEmpty { return 2 }
        return diagnostics.hasErrors ? 1 : 0
    }

    /// The canonical text of `source`, or the syntax errors that prevent formatting.
    /// The result is re-parsed and compared with the original tree; a formatter that
    /// would change the meaning refuses instead.
    public static func canonicalText(_ source: SourceFile) -> Result<String, FormatFailure> {
        let (program, diagnostics) = Parser.parse(source)
        if diagnostics.hasErrors { return .failure(FormatFailure(diagnostics: diagnostics)) }
        let text = Formatter.format(program)
        let reparsed = Parser.parse(SourceFile(path: source.path, text: text))
        guard !reparsed.diagnostics.hasErrors, TreeDump.dump(reparsed.program) == TreeDump.dump(program),
              reparsed.program.comments.map(\.text) == program.comments.map(\.text) else {
            let span = Span(file: source, start: 0, end: 0)
            return .failure(FormatFailure(diagnostics: [.error("fmt.internal", "the formatter would change this file's meaning, so it left it alone",
                                                               at: span, help: "please report this file to the Tally maintainers")]))
        }
        return .success(text)
    }

    /// Formats the `.tally` files at `paths`; with `check`, only reports which differ.
    public static func format(_ paths: [String], check: Bool) -> FormatReport {
        var report = FormatReport()
        let (files, missing) = ProgramFiles.collect(paths)
        report.unreadable = missing
        for path in files {
            guard let data = FileManager.default.contents(atPath: path) else {
                report.unreadable.append(path)
                continue
            }
            let source = SourceFile(path: path, contents: [UInt8](data))
            switch canonicalText(source) {
            case .failure(let failure):
                report.diagnostics += failure.diagnostics
            case .success(let text):
                guard Array(text.utf8) != [UInt8](data) else { continue }
                report.changed.append(path)
                if !check {
                    do {
                        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
                    } catch {
                        report.unreadable.append(path)
                    }
                }
            }
        }
        return report
    }
}

/// Why a file could not be formatted.
public struct FormatFailure: Error {
    public var diagnostics: [Diagnostic]
}
