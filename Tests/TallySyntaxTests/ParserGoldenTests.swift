import TallySource
@testable import TallySyntax
import TallyTestSupport
import XCTest

/// Each fixture under Fixtures/parse is parsed and its tree compared with the `.tree`
/// golden beside it; the fixtures together use every construct of the grammar.
final class ParserGoldenTests: XCTestCase {
    func testEveryConstructParsesToItsGoldenTree() throws {
        let inputs = Golden.files(in: "parse", ending: ".tally")
        XCTAssertGreaterThanOrEqual(inputs.count, 6)
        for input in inputs {
            let source = SourceFile(path: input.lastPathComponent, contents: [UInt8](try Data(contentsOf: input)))
            let (program, diagnostics) = Parser.parse(source)
            XCTAssertEqual(DiagnosticRenderer().render(diagnostics), "", input.lastPathComponent)
            Golden.assertMatches(TreeDump.dump(program), golden: input.deletingPathExtension().appendingPathExtension("tree"))
        }
    }

    func testPrecedence() {
        let cases: [(String, String)] = [
            ("a or b and c", "(or a (and b c))"),
            ("not a == b", "(not (== a b))"),
            ("not a and b", "(and (not a) b)"),
            ("1 + 2 * 3 - 4", "(- (+ 1 (* 2 3)) 4)"),
            ("a == 1 because \"x\" and b because \"y\"", "(and (because (== a 1) \"x\") (because b \"y\"))"),
            ("a or b because \"y\"", "(or a (because b \"y\"))"),
            ("-5 USD", "(- (5 USD))"),
            ("x not in [\"a\", \"b\"]", "(not in x (list \"a\" \"b\"))"),
            ("grid[referrer.kind, referrer.tier]", "(index grid (. referrer kind) (. referrer tier))"),
            ("customer.is_new(within: 365 days)", "(call (. customer is_new) within: (365 days))"),
            ("count(clicks by touch.ip within 1 hour) > 20", "(> (count clicks (by (. touch ip)) (within (1 hour))) 20)"),
            ("sum(orders.net by order.customer within 7 days)", "(sum orders.net (by (. order customer)) (within (7 days)))"),
            ("order.at - touch.at < 10 seconds", "(< (- (. order at) (. touch at)) (10 seconds))"),
            ("12.5%", "12.5%"),
            ("2026-01-01T09:00:00-04:00", "(timestamp 2026-01-01T09:00:00-04:00)"),
        ]
        for (text, tree) in cases {
            let source = SourceFile(path: "e.tally", text: "program \"p\"\nhold \(text)\n")
            let (program, diagnostics) = Parser.parse(source)
            XCTAssertTrue(diagnostics.isEmpty, "\(text): \(diagnostics.map(\.message))")
            guard case .hold(let expression, _) = program.declarations.last else {
                XCTFail("no expression for \(text)")
                continue
            }
            XCTAssertEqual(TreeDump.dump(expression), tree, text)
        }
    }

    func testSpansAreExact() {
        let text = "program \"p\"\nrule base {\n  when referrer.kind == \"influencer\"\n}\n"
        let source = SourceFile(path: "s.tally", text: text)
        let (program, _) = Parser.parse(source)
        guard case .rule(let rule) = program.declarations[1], case .when(let condition, _) = rule.clauses[0],
              case .binary(_, let left, let right) = condition.kind else {
            return XCTFail("unexpected tree")
        }
        XCTAssertEqual(source.text(of: rule.id.span), "base")
        XCTAssertEqual(source.text(of: condition.span), "referrer.kind == \"influencer\"")
        XCTAssertEqual(source.text(of: left.span), "referrer.kind")
        XCTAssertEqual(source.text(of: right.span), "\"influencer\"")
        XCTAssertEqual(left.span.location, SourceLocation(line: 3, column: 8))
        XCTAssertEqual(source.text(of: rule.span), "rule base {\n  when referrer.kind == \"influencer\"\n}")
    }

    func testRecoveryReportsEveryErrorInAFile() {
        let text = """
            program "p"
            rule a {
              pay 5 USX USD
              when order.net >
            }
            rule b {
              pya 3 USD
            }
            limit 500 USD per fortnight
            rule c { pay 1 USD }
            """
        let (program, diagnostics) = Parser.parse(SourceFile(path: "r.tally", text: text))
        let lines = diagnostics.map { $0.span.location.line }
        XCTAssertEqual(lines, [3, 5, 7, 9], diagnostics.map(\.message).joined(separator: "\n"))
        // The declarations after the errors are still there.
        let ruleIDs = program.declarations.compactMap { declaration -> String? in
            if case .rule(let rule) = declaration { return rule.id.name }
            return nil
        }
        XCTAssertEqual(ruleIDs, ["a", "b", "c"])
    }
}
