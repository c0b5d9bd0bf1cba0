import TallyCheck
import TallySource
import TallySyntax
import TallyTestSupport
import XCTest

/// Thousands of mutations of the example program (truncations, deleted, duplicated and
/// swapped tokens, random bytes, invalid UTF-8) each end in diagnostics from the
/// parser and checker: never a crash, never a hang.
final class RobustnessTests: XCTestCase {
    private func examplePrograms() throws -> [[UInt8]] {
        try ["acme.tally", "acme-rates.tally"].map { name in
            [UInt8](try Data(contentsOf: Golden.repository.appendingPathComponent("rules").appendingPathComponent(name)))
        }
    }

    /// Parses and checks `bytes` as one program; returns the diagnostics.
    private func run(_ bytes: [UInt8]) -> [Diagnostic] {
        let source = SourceFile(path: "mutant.tally", contents: bytes)
        let (program, syntax) = Parser.parse(source)
        let (_, checked) = Checker.check([program])
        // Rendering touches every span: it must not trap either.
        _ = DiagnosticRenderer().render(syntax + checked)
        return syntax + checked
    }

    func testMutationsNeverCrash() throws {
        var random = SeededRandom(seed: 20_261_125)
        var mutants = 0
        for original in try examplePrograms() {
            let tokens = Lexer.lex(SourceFile(path: "x", contents: original)).tokens.filter { $0.kind != .endOfFile }
            for round in 0..<1_200 {
                var bytes = original
                switch round % 6 {
                case 0:  // truncation
                    bytes = Array(bytes.prefix(random.below(bytes.count)))
                case 1:  // delete a token
                    let token = tokens[random.below(tokens.count)]
                    bytes.removeSubrange(token.start..<token.end)
                case 2:  // duplicate a token
                    let token = tokens[random.below(tokens.count)]
                    bytes.insert(contentsOf: bytes[token.start..<token.end] + [32], at: token.start)
                case 3:  // swap two tokens
                    var a = tokens[random.below(tokens.count)], b = tokens[random.below(tokens.count)]
                    if a.start > b.start { swap(&a, &b) }
                    if a.end <= b.start {
                        let first = Array(bytes[a.start..<a.end]), second = Array(bytes[b.start..<b.end])
                        bytes.replaceSubrange(b.start..<b.end, with: first)
                        bytes.replaceSubrange(a.start..<a.end, with: second)
                    }
                case 4:  // random bytes, including invalid UTF-8
                    for _ in 0..<(1 + random.below(8)) {
                        bytes.insert(UInt8(random.below(256)), at: random.below(bytes.count + 1))
                    }
                default:  // overwrite a run with ASCII punctuation soup
                    let start = random.below(bytes.count)
                    let soup = Array("{}()[]\"#%-><=!,.:".utf8)
                    for offset in 0..<min(12, bytes.count - start) { bytes[start + offset] = soup[random.below(soup.count)] }
                }
                _ = run(bytes)
                mutants += 1
            }
        }
        XCTAssertGreaterThanOrEqual(mutants, 2_000)
    }

    func testHostileShapesEndInDiagnostics() {
        let cases: [[UInt8]] = [
            [],
            Array("program".utf8),
            Array("rule".utf8),
            Array(String(repeating: "(", count: 50_000).utf8),
            Array(("program \"p\"\nhold " + String(repeating: "-", count: 50_000) + "1 days").utf8),
            Array(("rule r { when " + String(repeating: "not ", count: 10_000) + "true }").utf8),
            Array(String(repeating: "}", count: 1_000).utf8),
            Array(String(repeating: "rule r {", count: 1_000).utf8),
            [0xFF, 0xFE, 0x00, 0xC3],
            Array("\"unterminated".utf8),
            Array("program \"p\" # comment without newline".utf8),
            Array("rule r { pay 1e999999999999999999999 USD }".utf8),
            Array("limit 99999999999999999999999999 USD per order".utf8),
        ]
        for bytes in cases {
            let diagnostics = run(bytes)
            if !bytes.isEmpty { XCTAssertFalse(diagnostics.isEmpty, String(decoding: bytes.prefix(40), as: UTF8.self)) }
        }
    }
}
