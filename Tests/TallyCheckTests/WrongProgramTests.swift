import TallyDriver
import TallySource
import TallyTestSupport
import XCTest

/// Each file under Fixtures/wrong is a program with a mistake a program manager could
/// make. Its first line, `# expect: CODE at LINE:COL — intent`, names the diagnostic
/// it must produce first, and `NAME.expected` holds the whole rendered output: the
/// message, the source line, the caret and the hint.
final class WrongProgramTests: XCTestCase {
    func testEveryWrongProgramGetsItsDiagnostic() throws {
        let inputs = Golden.files(in: "wrong", ending: ".tally")
        XCTAssertGreaterThanOrEqual(inputs.count, 40)
        for input in inputs {
            let name = input.lastPathComponent
            let previous = FileManager.default.currentDirectoryPath
            FileManager.default.changeCurrentDirectoryPath(input.deletingLastPathComponent().path)
            let report = CheckReport.check([name])
            FileManager.default.changeCurrentDirectoryPath(previous)

            let rendered = DiagnosticRenderer().render(report.diagnostics) + DiagnosticRenderer.summary(report.diagnostics) + "\n"
            Golden.assertMatches(rendered, golden: input.deletingPathExtension().appendingPathExtension("expected"))

            let header = try String(contentsOf: input, encoding: .utf8).split(separator: "\n").first.map(String.init) ?? ""
            let expectation = header.replacingOccurrences(of: "# expect: ", with: "").components(separatedBy: " — ")[0]
            let actual = report.diagnostics.map { diagnostic -> String in
                let at = diagnostic.span.location
                return "\(diagnostic.code) at \(at.line):\(at.column)"
            }
            let expected = expectation.components(separatedBy: " ; ")
            XCTAssertEqual(Array(actual.prefix(expected.count)), expected, name)
            XCTAssertTrue(report.diagnostics.allSatisfy { $0.help != nil || $0.severity == .warning || $0.code.hasPrefix("syntax.") },
                          "\(name): every error should say how to fix it")
            let isWarning = expected[0].hasPrefix("warn.")
            XCTAssertEqual(report.exitCode, isWarning ? 0 : 1, name)
        }
    }
}
