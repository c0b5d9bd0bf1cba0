import Foundation
import TallyAudit
import TallyDriver
import TallyRun
import XCTest

/// DESIGN.md: corrections never rewrite history. `tally close` books months as paid in
/// the paid ledger; later runs keep those months as paid and book every difference (late
/// order, late refund, rule change, a decision that no longer stands) as a correction
/// record in the first open month.
final class CorrectionTests: XCTestCase {
    var folder: URL!

    override func setUp() {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-close-\(UUID().uuidString)")
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: folder)
    }

    /// January: A (ann, 100.00) credited to R1 and B (bob, 50.00) to R2 at 10%; a February
    /// order keeps February's statement busy.
    func january(rate: String = "10%") -> Scenario {
        var scenario = Scenario("rule base {\n  pay \(rate) of credit.net\n}\n")
        scenario.clicks += "c1,2026-01-01T00:00:00Z,R1,ann\nc2,2026-01-01T00:00:00Z,R2,bob\nc3,2026-02-01T00:00:00Z,R1,ann\n"
        scenario.orders += "A,2026-01-02T00:00:00Z,ann,X,1,100.00\nB,2026-01-03T00:00:00Z,bob,X,1,50.00\nC,2026-02-10T00:00:00Z,ann,X,1,20.00\n"
        return scenario
    }

    func close(_ period: String, asOf: String) -> PeriodClose {
        PeriodClose.close(project: folder.path, period: period, asOf: asOf, output: nil)
    }

    var paidLedger: String { (try? String(contentsOf: folder.appendingPathComponent("paid.jsonl"), encoding: .utf8)) ?? "" }

    func corrections(_ run: ProjectRun) -> [String] {
        (run.result?.adjustments ?? []).filter { $0.kind == .correction }
            .map { "\($0.id) \($0.month) \($0.amount) \($0.cause ?? "")" }
    }

    func testARuleChangeAfterAClosedMonthIsBookedAsCorrectionsInTheFirstOpenMonth() throws {
        try january().write(to: folder)
        let closed = close("2026-01", asOf: "2026-02-28")
        XCTAssertEqual(closed.exitCode, 0, closed.text)
        XCTAssertTrue(closed.text.hasPrefix("closed up to 2026-01: 2 statements, 15.00 USD paid to 2 referrers"), closed.text)
        let ledgerAfterClose = paidLedger
        let before = try Scenario.run(folder, asOf: "2026-02-28")
        XCTAssertEqual(corrections(before), [], "a run right after the close owes nothing more")

        try january(rate: "12%").write(to: folder)
        let rerun = try Scenario.run(folder, asOf: "2026-02-28")
        XCTAssertEqual(rerun.summaryLines, ["A/R1 payable 12.00", "B/R2 payable 6.00", "C/R1 payable 2.40"], "decisions say what the rules give now")
        XCTAssertEqual(corrections(rerun), ["A/R1/correction:2026-02 2026-02 200 rule change", "B/R2/correction:2026-02 2026-02 100 rule change"])
        let statements = try XCTUnwrap(rerun.result?.statements)
        let closedRows = try XCTUnwrap(before.result?.statements.filter { $0.month.description == "2026-01" })
        XCTAssertEqual(statements.filter { $0.month.description == "2026-01" }, closedRows, "January stays as it was paid")
        XCTAssertEqual(statements.filter { $0.month.description == "2026-02" }.map { "\($0.referrer) \($0.earned) \($0.corrections) \($0.paid)" },
                       ["R1 240 200 440", "R2 0 100 100"])
        XCTAssertEqual(paidLedger, ledgerAfterClose, "a run never writes the paid ledger")
        let csv = try XCTUnwrap(rerun.outputs?.statements)
        XCTAssertTrue(csv.contains("R1,2026-02,correction,USD,,,,,2.00,,,A/R1: rule change: 10.00 was paid in 2026-01; the rules now give 12.00\nR1,2026-02,total,"), csv)

        // Closing February pays the corrections: the next run owes nothing more.
        XCTAssertEqual(close("2026-02", asOf: "2026-03-01").exitCode, 0)
        XCTAssertTrue(paidLedger.hasPrefix(ledgerAfterClose), "closing appends; it never rewrites earlier records")
        let after = try Scenario.run(folder, asOf: "2026-03-01")
        XCTAssertEqual(corrections(after), [])
        XCTAssertNil(HashChain.firstBreak(HashChain.lines(paidLedger)))
    }

    func testALateOrderALateRefundAndADecisionThatNoLongerStands() throws {
        try january().write(to: folder)
        XCTAssertEqual(close("2026-01", asOf: "2026-02-28").exitCode, 0)
        var late = january()
        late.orders += "D,2026-01-20T00:00:00Z,ann,X,1,30.00\n"          // arrived after January closed
        late.refunds = "id,order,at,amount\nr1,A,2026-01-25T00:00:00Z,40.00\n"  // so did this refund
        late.clicks = "id,at,referrer,customer\nc1,2026-01-01T00:00:00Z,R1,ann\nc3,2026-02-01T00:00:00Z,R1,ann\n"  // c2 was bot traffic
        try late.write(to: folder)
        let rerun = try Scenario.run(folder, asOf: "2026-02-28")
        XCTAssertEqual(corrections(rerun), [
            "D/R1/correction:2026-02 2026-02 300 late order",
            "A/R1/refund:r1/correction:2026-02 2026-02 -400 refund",
            "B/R2/correction:2026-02 2026-02 -500 no longer stands",
        ])
        let reasons = (rerun.result?.adjustments ?? []).filter { $0.kind == .correction }.map(\.reason)
        XCTAssertTrue(reasons[0].contains("in 2026-01, which was closed before the order was known"), reasons[0])
        XCTAssertTrue(reasons[1].contains("which was closed before the refund was known"), reasons[1])
        XCTAssertTrue(reasons[2].contains("5.00 was paid in 2026-01 for B/R2, which this run no longer produces"), reasons[2])
        let february = try XCTUnwrap(rerun.result?.statements.filter { $0.month.description == "2026-02" })
        XCTAssertEqual(february.map { "\($0.referrer) \($0.corrections) \($0.carriedOut)" }, ["R1 -100 0", "R2 -500 -500"],
                       "R2 owes back what it was paid; the balance carries")
    }

    func testCloseRefusesAClosedMonthAMonthNotOverAndABrokenPaidLedger() throws {
        try january().write(to: folder)
        XCTAssertEqual(close("2026-02", asOf: "2026-02-27").exitCode, 2, "February has not ended on the 27th")
        XCTAssertTrue(close("2026-02", asOf: "2026-02-27").text.contains("2026-02 has not ended"))
        XCTAssertEqual(close("2026-01", asOf: "2026-02-28").exitCode, 0)
        let again = close("2026-01", asOf: "2026-02-28")
        XCTAssertEqual(again.exitCode, 2)
        XCTAssertTrue(again.text.contains("2026-01 is already closed"), again.text)
        XCTAssertEqual(PeriodClose.close(project: folder.path, period: "2026-13", asOf: nil, output: nil).exitCode, 2)

        // An edited paid ledger is not trusted as what was paid.
        let path = folder.appendingPathComponent("paid.jsonl")
        try paidLedger.replacingOccurrences(of: "\"amount\":\"10.00\"", with: "\"amount\":\"1.00\"").write(to: path, atomically: true, encoding: .utf8)
        let run = ProjectRun.run(folder.path, asOf: "2026-02-28", write: false)
        XCTAssertEqual(run.exitCode, 2)
        XCTAssertTrue(run.usageError?.contains("paid.jsonl:2: the paid ledger cannot be trusted: this record was edited") == true, run.usageError ?? "")
    }

    func testTwoClosesThenADataChangeNamesTheCauseAndCountsOnce() throws {
        try january().write(to: folder)
        XCTAssertEqual(close("2026-01", asOf: "2026-02-28").exitCode, 0)
        try january(rate: "12%").write(to: folder)              // the rules change,
        XCTAssertEqual(close("2026-02", asOf: "2026-03-01").exitCode, 0)  // February pays the corrections
        var changed = january(rate: "12%")
        changed.orders = "order,at,customer,sku,qty,price\nA,2026-01-02T00:00:00Z,ann,X,1,100.00\nC,2026-02-10T00:00:00Z,ann,X,1,20.00\n"
        try changed.write(to: folder)                            // then B turns out never to have happened
        let rerun = try Scenario.run(folder, asOf: "2026-03-31")
        XCTAssertEqual(corrections(rerun), ["B/R2/correction:2026-03 2026-03 -600 no longer stands"],
                       "5.00 paid in January and 1.00 corrected in February come back once")
        let reason = try XCTUnwrap(rerun.result?.adjustments.first { $0.kind == .correction }?.reason)
        XCTAssertTrue(reason.hasSuffix("(the ledgers changed)"), "the rules are the ones of the last close: \(reason)")
        // Closed February keeps its correction lines, as paid.
        let february = try XCTUnwrap(rerun.result?.statements.first { $0.referrer == "R1" && $0.month.description == "2026-02" })
        XCTAssertEqual(february.notes.map { "\($0.corrects) \($0.amount)" }, ["A/R1 200"])
        XCTAssertTrue(rerun.outputs?.statements.contains("R1,2026-02,correction,USD,,,,,2.00,,,A/R1: rule change: 10.00 was paid in 2026-01") == true)
        // A zero balance after a close still has its statement line in the open month.
        XCTAssertNotNil(rerun.result?.statements.first { $0.referrer == "R2" && $0.month.description == "2026-03" })
    }

    func testARunInsideClosedMonthsIsRefusedAndADefaultRunStartsAfterThem() throws {
        try january().write(to: folder)
        XCTAssertEqual(close("2026-01", asOf: "2026-02-28").exitCode, 0)
        let inside = ProjectRun.run(folder.path, asOf: "2026-01-15", write: false)
        XCTAssertEqual(inside.exitCode, 2)
        XCTAssertTrue(inside.usageError?.contains("the books are closed through 2026-01") == true, inside.usageError ?? "")
        XCTAssertNil(ProjectRun.run(folder.path, asOf: "2026-01-31", write: false).usageError)
    }

    func testAPaidLedgerCutShortOrOutOfOrderIsRefused() throws {
        try january().write(to: folder)
        XCTAssertEqual(close("2026-01", asOf: "2026-02-28").exitCode, 0)
        XCTAssertEqual(close("2026-02", asOf: "2026-03-01").exitCode, 0)
        let path = folder.appendingPathComponent("paid.jsonl")
        let lines = HashChain.lines(paidLedger).map(String.init)
        try (lines.dropLast(2).joined(separator: "\n") + "\n").write(to: path, atomically: true, encoding: .utf8)
        var run = ProjectRun.run(folder.path, write: false)
        XCTAssertEqual(run.exitCode, 2)
        XCTAssertTrue(run.usageError?.contains("more records than the file holds: records were removed from the end") == true, run.usageError ?? "")
        // Cutting a whole close off the end leaves a consistent, shorter ledger: the
        // outputs that named the longer one no longer verify (their digest differs).
        let firstClose = lines.firstIndex { $0.contains("\"period\":\"2026-02\"") && $0.contains("\"type\":\"close\"") }!
        try (lines.prefix(firstClose).joined(separator: "\n") + "\n").write(to: path, atomically: true, encoding: .utf8)
        run = ProjectRun.run(folder.path, write: false)
        XCTAssertNil(run.usageError)
        XCTAssertEqual(run.paidLedger?.books?.through.description, "2026-01")
    }
}
