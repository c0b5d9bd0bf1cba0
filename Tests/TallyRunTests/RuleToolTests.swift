import Foundation
import TallyDriver
import TallyTestSupport
import XCTest

/// `tally test` and `tally diff` on a small program with known answers.
final class RuleToolTests: XCTestCase {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/scenarios")

    func testPassingAndFailingScenariosAndCoverage() throws {
        let report = RuleTestReport.run([Self.folder.appendingPathComponent("tests").path], coverage: true)
        XCTAssertEqual(report.results.map(\.passed), [false, true, true])
        XCTAssertEqual(report.exitCode, 1)
        let coverage = try XCTUnwrap(report.coverage.first)
        XCTAssertEqual(coverage.rules, ["base", "gold", "never"])
        XCTAssertEqual(coverage.exercised.rules.sorted(), ["base", "gold"])
        XCTAssertEqual(coverage.missing, ["rule never"])
        XCTAssertEqual(coverage.exercised.checks, ["self-referral"])
        XCTAssertEqual(coverage.exercised.limits, ["limit 50 USD per referrer per month"])
        Golden.assertMatches(report.text(relativeTo: Self.folder.path), golden: Self.folder.appendingPathComponent("report.txt"))

        let filtered = RuleTestReport.run([Self.folder.appendingPathComponent("tests").path], filter: "GOLD")
        XCTAssertEqual(filtered.results.map(\.scenario.name), ["a gold referrer is paid the gold rate"])
        XCTAssertEqual(filtered.exitCode, 0)
    }

    /// The example program's own scenarios (rules/tests/) all pass and cover it: the CI
    /// command `tally test rules/ --coverage`, inside `swift test`.
    func testTheExampleProgramsScenariosPass() throws {
        let report = RuleTestReport.run([Golden.repository.appendingPathComponent("rules").path], coverage: true)
        XCTAssertEqual(report.results.filter { !$0.passed }.map(\.scenario.name), [])
        XCTAssertGreaterThanOrEqual(report.results.count, 46)
        XCTAssertEqual(report.coverage.flatMap(\.missing), [], "every rule, fraud check and limit is exercised")
    }

    func testDiffReportsTheDeltaOfAChangedRate() throws {
        let project = FileManager.default.temporaryDirectory.appendingPathComponent("tally-diff-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: project) }
        let program = try String(contentsOf: Self.folder.appendingPathComponent("program.tally"), encoding: .utf8)
        try program.write(to: project.appendingPathComponent("old.tally"), atomically: true, encoding: .utf8)
        try program.replacingOccurrences(of: "pay 10% of credit.net", with: "pay 12% of credit.net")
            .write(to: project.appendingPathComponent("new.tally"), atomically: true, encoding: .utf8)
        try "id,kind,tier,email\nR1,influencer,gold,r1@x.com\nR2,affiliate,silver,r2@x.com\n".write(to: project.appendingPathComponent("referrers.csv"), atomically: true, encoding: .utf8)
        try "at,referrer,customer\n2026-01-01T00:00:00Z,R1,ann\n2026-01-01T00:00:00Z,R2,bob\n".write(to: project.appendingPathComponent("clicks.csv"), atomically: true, encoding: .utf8)
        try "order,at,customer,sku,qty,price\nA,2026-01-02T00:00:00Z,ann,X,1,100.00\nB,2026-01-02T00:00:00Z,bob,X,1,100.00\nC,2026-01-03T00:00:00Z,bob,X,1,50.00\n"
            .write(to: project.appendingPathComponent("orders.csv"), atomically: true, encoding: .utf8)
        try "program: new.tally\noutput: out\nledgers:\n  referrers: referrers.csv\n  clicks: clicks.csv\n  orders: orders.csv\n"
            .write(to: project.appendingPathComponent("tally.yaml"), atomically: true, encoding: .utf8)

        let diff = try RuleDiff.diff(project: project.path, base: project.appendingPathComponent("old.tally").path, rules: nil).get()
        // R2 (silver, base rate): 10.00 + 5.00 becomes 12.00 + 6.00; R1 (gold) is unchanged.
        XCTAssertEqual(diff.byReferrer.map { "\($0.referrer) \($0.before) \($0.after)" }, ["R2 1500 1800"])
        XCTAssertEqual(diff.changes.map(\.id), ["B/R2", "C/R2"])
        XCTAssertTrue(diff.text().hasPrefix("payout 30.00 USD with "), diff.text())
        XCTAssertTrue(diff.text().contains("33.00 USD with the project's rules: +3.00 USD"), diff.text())

        let same = try RuleDiff.diff(project: project.path, base: project.appendingPathComponent("new.tally").path, rules: nil).get()
        XCTAssertTrue(same.changes.isEmpty)
        XCTAssertTrue(same.byReferrer.isEmpty)
        XCTAssertTrue(same.text().contains(": no change\n"), same.text())
        XCTAssertEqual(same.json.rendered().contains("\"decisions_changed\":0"), true)
    }
}
