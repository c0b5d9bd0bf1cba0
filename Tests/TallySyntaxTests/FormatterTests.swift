import TallySource
@testable import TallySyntax
import TallyTestSupport
import XCTest

/// The formatter's layout (golden pairs), and for every `.tally` file in the
/// repository: parse(fmt(x)) == parse(x) and fmt(fmt(x)) == fmt(x).
final class FormatterTests: XCTestCase {
    private func format(_ text: String, path: String = "f.tally") throws -> String {
        let source = SourceFile(path: path, text: text)
        let (program, diagnostics) = Parser.parse(source)
        XCTAssertFalse(diagnostics.hasErrors, "\(path): " + diagnostics.map(\.message).joined(separator: "; "))
        return Formatter.format(program)
    }

    func testFormatterGoldens() throws {
        let inputs = Golden.files(in: "format", ending: ".tally")
        XCTAssertGreaterThanOrEqual(inputs.count, 2)
        for input in inputs {
            let formatted = try format(String(contentsOf: input, encoding: .utf8), path: input.lastPathComponent)
            Golden.assertMatches(formatted, golden: input.deletingPathExtension().appendingPathExtension("formatted"))
        }
    }

    func testEveryRepositoryProgramRoundTrips() throws {
        var checked = 0
        for url in Golden.repositoryPrograms() {
            let source = SourceFile(path: url.path, contents: [UInt8](try Data(contentsOf: url)))
            let (program, diagnostics) = Parser.parse(source)
            guard !diagnostics.hasErrors else { continue }  // deliberately broken fixtures
            let once = Formatter.format(program)
            let reparsed = Parser.parse(SourceFile(path: url.path, text: once))
            XCTAssertFalse(reparsed.diagnostics.hasErrors, "\(url.lastPathComponent): formatted text does not parse")
            XCTAssertEqual(TreeDump.dump(reparsed.program), TreeDump.dump(program), "\(url.lastPathComponent): tree changed")
            XCTAssertEqual(reparsed.program.comments.map(\.text), program.comments.map(\.text), "\(url.lastPathComponent): comments changed")
            XCTAssertEqual(Formatter.format(reparsed.program), once, "\(url.lastPathComponent): not idempotent")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 40)
    }

    func testRuleFilesAreAlreadyCanonical() throws {
        for name in ["acme.tally", "acme-rates.tally"] {
            let url = Golden.repository.appendingPathComponent("rules").appendingPathComponent(name)
            let text = try String(contentsOf: url, encoding: .utf8)
            XCTAssertEqual(try format(text, path: name), text, name)
        }
    }

    func testMinimalParenthesesKeepTheTree() throws {
        let cases = [
            ("when (a or b) and c", "when (a or b) and c"),
            ("when a or (b and c)", "when a or b and c"),
            ("when (a and b) because \"x\"", "when (a and b) because \"x\""),
            ("when not (a == b)", "when not a == b"),
            ("when (not a) == b", "when (not a) == b"),
            ("when 1 - (2 - 3) > 0", "when 1 - (2 - 3) > 0"),
            ("when (1 - 2) - 3 > 0", "when 1 - 2 - 3 > 0"),
            ("when - (-x) > 0", "when --x > 0"),
        ]
        for (input, expected) in cases {
            let formatted = try format("rule r {\n  \(input)\n}\n")
            XCTAssertEqual(formatted, "rule r {\n  \(expected)\n}\n", input)
        }
    }
}
