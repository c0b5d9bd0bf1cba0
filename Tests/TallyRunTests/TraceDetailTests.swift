import Foundation
@testable import TallyAudit
import TallyDriver
import TallyRun
import TallyTestSupport
import XCTest

/// `tally run --trace full|decisive|none`: the level changes how much of each decision's
/// explanation is written, never the decisions, statements or summary; it is recorded in
/// the header, and `tally verify` re-derives a run at its level.
final class TraceDetailTests: XCTestCase {
    var folder: URL!
    var project: URL!

    /// A copy of examples/acme with its rules.
    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-trace-\(UUID().uuidString)")
        project = try Golden.acmeProject(in: folder)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: folder)
    }

    func output(_ level: TraceDetail) -> URL { folder.appendingPathComponent("out-\(level.rawValue)") }

    /// Runs at `level` and returns the records of decisions.jsonl as JSON objects.
    func run(_ level: TraceDetail) throws -> [[String: Any]] {
        let run = ProjectRun.run(project.path, output: output(level).path, keepTraces: false, trace: level)
        XCTAssertNotNil(run.result, "\(level)")
        let text = try String(contentsOf: output(level).appendingPathComponent("decisions.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    /// A JSON value as canonical text (keys sorted), to compare values read back.
    func canonical(_ value: Any?) -> String {
        guard let value else { return "null" }
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) else { return "\(value)" }
        return String(decoding: data, as: UTF8.self)
    }

    /// A JSON boolean read back (a number on some platforms).
    func isTrue(_ value: Any?) -> Bool { (value as? Bool) ?? (value as? NSNumber)?.boolValue ?? false }

    func file(_ level: TraceDetail, _ name: String) throws -> String {
        try String(contentsOf: output(level).appendingPathComponent(name), encoding: .utf8)
    }

    func testEveryLevelDecidesTheSameAndRecordsItsLevel() throws {
        let records = try Dictionary(uniqueKeysWithValues: TraceDetail.allCases.map { ($0, try run($0)) })
        let decisionFields = ["id", "type", "order", "referrer", "status", "outcome", "amount", "rule_total", "currency", "payable_on", "reason"]
        func decisions(_ level: TraceDetail) -> [String] {
            records[level]!.filter { $0["type"] as? String != "header" && $0["type"] as? String != "end" }.map { record in
                decisionFields.map { canonical(record[$0]) }.joined(separator: "|") + "|" + canonical(record["lines"])
            }
        }
        XCTAssertGreaterThan(decisions(.full).count, 20)
        XCTAssertEqual(decisions(.decisive), decisions(.full))
        XCTAssertEqual(decisions(.none), decisions(.full))
        for level in TraceDetail.allCases {
            let parameters = records[level]![0]["parameters"] as? [String: Any]
            XCTAssertEqual(parameters?["trace"] as? String, level.rawValue)
            XCTAssertEqual(try file(level, "statements.csv"), try file(.full, "statements.csv"), "\(level)")
            XCTAssertEqual(try file(level, "summary.json"), try file(.full, "summary.json"), "\(level)")
            XCTAssertEqual(try file(level, "rejects.csv"), try file(.full, "rejects.csv"), "\(level)")
        }
        XCTAssertTrue(records[.none]!.allSatisfy { $0["trace"] == nil }, "`none` writes no trace")
        XCTAssertTrue(records[.full]!.filter { $0["type"] as? String == "decision" }.allSatisfy { $0["trace"] != nil })
    }

    func testDecisiveKeepsWhatDecidedTheAmount() throws {
        let full = try run(.full).filter { $0["type"] as? String == "decision" }
        let decisive = try run(.decisive).filter { $0["type"] as? String == "decision" }
        XCTAssertEqual(full.count, decisive.count)
        var droppedTouches = 0, droppedRules = 0
        for (whole, short) in zip(full, decisive) {
            let wholeTrace = try XCTUnwrap(whole["trace"] as? [String: Any]), shortTrace = try XCTUnwrap(short["trace"] as? [String: Any])
            // The same order facts, weights, credit, fraud checks and adjustments.
            for key in ["order", "evidence", "model", "weights", "credit", "fraud", "adjustments"] {
                XCTAssertEqual(canonical(wholeTrace[key]), canonical(shortTrace[key]), "\(whole["id"] ?? ""): \(key)")
            }
            // Touches: a subset of the full trace's, each credited (kept) or rejected by a check.
            let wholeTouches = (wholeTrace["touches"] as? [[String: Any]] ?? []).map(canonical)
            let shortTouches = shortTrace["touches"] as? [[String: Any]] ?? []
            for touch in shortTouches {
                XCTAssertTrue(wholeTouches.contains(canonical(touch)), "\(touch)")
                let excluded = touch["excluded"] as? String
                XCTAssertTrue(isTrue(touch["kept"]) || excluded?.hasPrefix("rejected by fraud check") == true, "\(touch)")
            }
            // A kept touch earned credit: its referrer has a weight (those that only lost
            // to a later touch are left out).
            let weighted = Set((shortTrace["weights"] as? [String: Any] ?? [:]).keys)
            for touch in shortTouches where isTrue(touch["kept"]) {
                XCTAssertTrue(weighted.contains(touch["referrer"] as? String ?? ""), "\(short["id"] ?? ""): \(touch)")
            }
            if let status = short["status"] as? String, status != "rejected" || short["reason"] == nil {
                XCTAssertTrue(shortTouches.contains { isTrue($0["kept"]) && ($0["referrer"] as? String) == (short["referrer"] as? String) },
                              "the credited touch of \(short["id"] ?? "") is in its decisive trace")
            }
            droppedTouches += wholeTouches.count - shortTouches.count
            // Rules: those that paid or were replaced, with their arithmetic, as in the full trace.
            let wholeRules = (wholeTrace["rules"] as? [[String: Any]] ?? []).filter { ["paid", "replaced"].contains($0["outcome"] as? String) }
            let shortRules = shortTrace["rules"] as? [[String: Any]] ?? []
            XCTAssertEqual(shortRules.map(canonical), wholeRules.map(canonical), "\(whole["id"] ?? "")")
            droppedRules += (wholeTrace["rules"] as? [Any] ?? []).count - shortRules.count
        }
        XCTAssertGreaterThan(droppedTouches, 0, "the example has touches that lost")
        XCTAssertGreaterThan(droppedRules, 0, "the example has rules that did not match")
    }

    func testVerifyReDerivesARunAtItsLevel() throws {
        for level in [TraceDetail.decisive, .none] {
            _ = try run(level)
            let report = Verification.verify(project: project.path, output: output(level).path)
            XCTAssertEqual(report.exitCode, 0, "\(level): \(report.text)")
            XCTAssertTrue(report.text.contains("re-derived from the inputs: identical"), report.text)
        }
    }

    func testExplainSaysWhatALesserTraceLeftOut() throws {
        let full = try run(.full)
        let order = try XCTUnwrap(full.first { $0["type"] as? String == "decision" }?["order"] as? String)
        _ = try run(.decisive)
        _ = try run(.none)
        func story(_ level: TraceDetail) throws -> String {
            switch Explanation.explain(order: order, folder: output(level).path) {
            case .success(let text): return text
            case .failure(let problem): throw problem
            }
        }
        XCTAssertFalse(try story(.full).contains("--trace"))
        let decisive = try story(.decisive)
        XCTAssertTrue(decisive.hasPrefix("This run was written with `--trace decisive`"), decisive)
        let none = try story(.none)
        XCTAssertTrue(none.hasPrefix("This run was written with `--trace none`"), none)
        XCTAssertTrue(none.contains("Order \(order)\n"), none)
        XCTAssertFalse(none.contains("credit :"), none)
    }

    /// A rule's trace entry starts with words written once per plan (`RuleHeads`); a
    /// trace that does not know its rule's place (one made by hand) gets the same words
    /// from its own names.
    func testRuleHeadsWrittenOncePerPlanAreTheRulesOwnWords() throws {
        let run = ProjectRun.run(project.path, output: output(.full).path, write: false)
        let plan = try XCTUnwrap(run.plan), decisions = try XCTUnwrap(run.result?.decisions)
        let log = DecisionLog(plan: plan, header: nil)
        var rules = 0, outcomes = Set<String>()
        for decision in decisions {
            var unplaced = decision
            unplaced.trace.rules = decision.trace.rules.map { rule in
                var unplaced = rule
                unplaced.ruleIndex = -1
                return unplaced
            }
            rules += decision.trace.rules.count
            outcomes.formUnion(decision.trace.rules.map(\.outcome.rawValue))
            XCTAssertEqual(String(decoding: log.head(decision), as: UTF8.self), String(decoding: log.head(unplaced), as: UTF8.self))
        }
        XCTAssertGreaterThan(rules, 100)
        XCTAssertEqual(outcomes, ["paid", "not matched", "not effective", "replaced"], "every outcome's head is compared")
    }

    /// A decisive trace keeps, of the kept touches, only the one that earned credit:
    /// under last touch the customer's earlier clicks (the same referrer's or another's,
    /// numeric ids or not) are left out.
    func testDecisiveKeepsOnlyTheCreditedTouchOfSeveral() throws {
        var scenario = Scenario("attribution {\n  model last_touch\n}\nrule base {\n  pay 10% of credit.net\n}\n")
        scenario.clicks += "101,2026-01-01T10:00:00Z,R1,ann\nc-102,2026-01-01T11:00:00Z,R2,ann\n103,2026-01-01T12:00:00Z,R1,ann\n"
            + "104,2026-01-01T13:00:00Z,R2,bob\nc-105,2026-01-01T14:00:00Z,R1,bob\n"
        scenario.orders += "A,2026-01-02T00:00:00Z,ann,X,1,100.00\nB,2026-01-02T00:00:00Z,bob,X,1,100.00\n"
        let scratch = folder.appendingPathComponent("last-touch")
        try scenario.write(to: scratch)
        for (level, kept) in [(TraceDetail.full, [["101", "c-102", "103"], ["104", "c-105"]]), (.decisive, [["103"], ["c-105"]])] {
            let run = ProjectRun.run(scratch.path, write: false, trace: level)
            let decisions = try XCTUnwrap(run.result?.decisions)
            XCTAssertEqual(decisions.map(\.id), ["A/R1", "B/R1"], "\(level)")
            XCTAssertEqual(decisions.map { $0.trace.touches.filter(\.isKept).map(\.id) }, kept, "\(level)")
        }
    }
}
