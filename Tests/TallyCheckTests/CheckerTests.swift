import TallyCheck
import TallyDriver
import TallySource
import TallySyntax
import TallyTestSupport
import XCTest

/// Checker behaviour that the wrong-program goldens do not pin on their own.
final class CheckerTests: XCTestCase {
    private func check(_ text: String) -> (CheckedProgram?, [Diagnostic]) {
        let (program, syntax) = Parser.parse(SourceFile(path: "t.tally", text: text))
        let (checked, diagnostics) = Checker.check([program])
        return (checked, syntax + diagnostics)
    }

    private let header = "program \"t\"\ncurrency USD\ntimezone \"America/New_York\"\n"

    func testExampleProgramIsClean() {
        let report = CheckReport.check([Golden.repository.appendingPathComponent("rules").path])
        XCTAssertEqual(DiagnosticRenderer().render(report.diagnostics), "")
        XCTAssertEqual(report.exitCode, 0)
        XCTAssertEqual(report.programs.count, 1)
        let program = report.programs[0]
        XCTAssertEqual(program.name, "Acme Outdoor partner program")
        XCTAssertEqual(program.currency.code, "USD")
        XCTAssertEqual(program.attribution.model, .positionBased(firstBasisPoints: 4000, lastBasisPoints: 4000))
        XCTAssertEqual(program.attribution.lookbackSeconds, 30 * 86_400)
        XCTAssertEqual(program.attribution.evidence, ["coupon", "click", "survey"])
        XCTAssertEqual(program.holdDays, 30)
        XCTAssertEqual(program.payoutMinimum?.minorUnits, 5_000)
        XCTAssertEqual(program.files.count, 2, "the included rates file belongs to the program")
        XCTAssertFalse(program.tables.isEmpty)
        XCTAssertFalse(program.tiers.isEmpty)
    }

    func testSettingsAreExact() {
        let (program, diagnostics) = check(header + """
            attribution {
              model time_decay(half_life: 7 days)
              lookback 2 weeks
              evidence click > coupon
            }
            hold 14 days
            """)
        XCTAssertEqual(diagnostics, [])
        XCTAssertEqual(program?.attribution.model, .timeDecay(halfLifeSeconds: 7 * 86_400))
        XCTAssertEqual(program?.attribution.lookbackSeconds, 14 * 86_400)
        XCTAssertEqual(program?.attribution.evidence, ["click", "coupon"])
        XCTAssertEqual(program?.holdDays, 14)
    }

    func testHintsSpeakToTheUser() {
        let cases: [(String, String)] = [
            ("rule r {\n  when order.net > 2000\n  pay 1 USD\n}", "write `2000 USD` to compare money"),
            ("rule r {\n  when referrer.knd == \"x\"\n  pay 1 USD\n}", "did you mean `kind`?"),
            ("attribution {\n  model last_tuch\n}", "did you mean `last_touch`?"),
            ("attribution {\n  lookback 3 months\n}", "write days, e.g. `90 days`"),
            ("rule r {\n  pay 8% of credit.net\n  when order.net > 5 USD and referrer.followers > 3\n}", "declare extra referrer columns"),
            ("rule r {\n  pay 8%\n}", "say what it is a percent of"),
            ("hold 36 hours", "write the hold in days"),
        ]
        for (body, hint) in cases {
            let (_, diagnostics) = check(header + body)
            XCTAssertTrue(diagnostics.contains { ($0.help ?? "").contains(hint) }, "\(body)\n→ \(diagnostics.map { "\($0.message) / \($0.help ?? "-")" })")
        }
    }

    func testEffectiveWindowsCompareLikeWithLike() {
        let (_, reversed) = check(header + "rule r {\n  effective 2026-03-01T12:00:00Z until 2026-03-01T11:00:00Z\n  pay 1 USD\n}")
        XCTAssertEqual(reversed.map(\.code), ["check.effective-window"])
        let (_, empty) = check(header + "rule r {\n  effective 2026-03-01 until 2026-03-01\n  pay 1 USD\n}")
        XCTAssertEqual(empty.map(\.code), ["warn.never-effective"])
        // A date (local midnight) and a timestamp are not ordered without the zone: no finding.
        let (_, mixed) = check(header + "rule r {\n  effective 2026-03-01T12:00:00Z until 2026-03-02\n  pay 1 USD\n}")
        XCTAssertEqual(mixed, [])
    }

    func testReplacementIsNotTransitiveButCyclesAreFound() {
        let (_, clean) = check(header + """
            rule base { pay 1 USD }
            rule gold replaces base { pay 2 USD }
            rule platinum replaces gold { pay 3 USD }
            """)
        XCTAssertEqual(clean, [])
        let (_, cycle) = check(header + """
            rule a replaces c { pay 1 USD }
            rule b replaces a { pay 1 USD }
            rule c replaces b { pay 1 USD }
            """)
        XCTAssertEqual(cycle.map(\.code), ["check.replaces-cycle"])
        XCTAssertTrue(cycle[0].message.contains("`a` → `c` → `b` → `a`"), cycle[0].message)
    }

    func testIncludesFormOneProgram() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-include-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try (header + "include \"rates.tally\"\ninclude \"missing.tally\"\nrule r { pay grid[\"a\"] of credit.net }\n")
            .write(to: folder.appendingPathComponent("main.tally"), atomically: true, encoding: .utf8)
        try "table grid(k: string) -> percent {\n  default -> 5%\n}\ninclude \"main.tally\"\n"
            .write(to: folder.appendingPathComponent("rates.tally"), atomically: true, encoding: .utf8)
        let report = CheckReport.check([folder.path])
        XCTAssertEqual(report.diagnostics.map(\.code).sorted(), ["check.include-cycle", "check.include-not-found"])
        XCTAssertEqual(report.exitCode, 1)
    }

    func testJSONDiagnosticsCarryPositions() {
        let (_, diagnostics) = check(header + "rule r {\n  when referrer.knd == \"x\"\n  pay 1 USD\n}")
        let json = diagnostics[0].json.rendered()
        XCTAssertEqual(json, #"{"file":"t.tally","line":5,"column":17,"end_line":5,"end_column":20,"severity":"error","code":"check.unknown-field","message":"`referrer` has no field `knd`","help":"did you mean `kind`?","notes":[]}"#)
    }

    func testCaretsCountCharactersNotBytes() {
        let (_, diagnostics) = check(header + "rule r {\n  when referrer.name == \"Zoë\" and référence == 1\n  pay 1 USD\n}")
        let rendered = DiagnosticRenderer().render(diagnostics)
        XCTAssertTrue(rendered.contains("unexpected character"), rendered)
        // `é` is two bytes; the caret must sit under it, at character column 36.
        XCTAssertTrue(rendered.contains("t.tally:5:36:"), rendered)
        XCTAssertTrue(rendered.contains("\n  |                                    ^\n"), rendered)
    }
}
