import Foundation
import TallyDriver
import TallyPlan
import TallyRun
import TallyValues
import XCTest

/// A small project written to a temporary folder and run through the whole pipeline:
/// rules, ledgers as CSV text, `tally run` without writing files.
struct Scenario {
    var rules: String
    var referrers = "id,kind,tier,email\nR1,influencer,gold,r1@x.com\nR2,affiliate,silver,r2@x.com\nR3,agency,bronze,r3@x.com\n"
    var clicks = "id,at,referrer,customer\n"
    var orders = "order,at,customer,sku,qty,price\n"
    var refunds: String?
    var assignments: String?
    var surveys: String?
    var fx: String?
    var resolutions: String?
    var timezone = "UTC"
    /// More tally.yaml settings (tokens, redaction) and the files they name.
    var extraYAML = ""
    var extraFiles: [String: String] = [:]

    static let header = "program \"test\"\ncurrency USD\n"

    init(_ rules: String) {
        self.rules = rules
    }

    /// A scenario with these rules, orders and clicks (by default one click of R1 for ann).
    static func with(_ rules: String, orders: String, clicks: String = "c1,2026-01-01T00:00:00Z,R1,ann\n") -> Scenario {
        var scenario = Scenario(rules)
        scenario.clicks += clicks
        scenario.orders += orders
        return scenario
    }

    /// Runs the scenario; fails the test on load errors.
    func run(asOf: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> ProjectRun {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-run-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try write(to: folder)
        return try Scenario.run(folder, asOf: asOf, file: file, line: line)
    }

    /// Runs a project folder written by `write(to:)`; fails the test on load errors.
    static func run(_ folder: URL, asOf: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> ProjectRun {
        let run = ProjectRun.run(folder.path, asOf: asOf, write: false)
        XCTAssertEqual(run.load.diagnostics.map(\.message), [], file: file, line: line)
        XCTAssertEqual(run.load.loaded?.ledgers.rejects.map(\.reason) ?? [], [], file: file, line: line)
        XCTAssertNil(run.usageError ?? run.load.usageError, file: file, line: line)
        return run
    }

    /// Writes the project (rules, ledgers, tally.yaml) into `folder`, replacing what the
    /// same files held.
    func write(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        func write(_ name: String, _ text: String) throws {
            try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        try write("p.tally", Scenario.header + "timezone \"\(timezone)\"\n" + rules)
        var yaml = "program: p.tally\noutput: out\nledgers:\n  referrers: referrers.csv\n  clicks: clicks.csv\n  orders: orders.csv\n"
        try write("referrers.csv", referrers)
        try write("clicks.csv", clicks)
        try write("orders.csv", orders)
        for (kind, text) in [("refunds", refunds), ("assignments", assignments), ("surveys", surveys), ("fx", fx), ("resolutions", resolutions)] {
            guard let text else { continue }
            try write("\(kind).csv", text)
            yaml += "  \(kind): \(kind).csv\n"
        }
        for (name, text) in extraFiles { try write(name, text) }
        try write("tally.yaml", yaml + extraYAML)
    }
}

extension ProjectRun {
    var decisions: [Decision] { result?.decisions ?? [] }

    /// `ORDER/REFERRER status amount` for each decision, for compact assertions.
    var summaryLines: [String] {
        decisions.map { "\($0.id) \($0.status.rawValue) \(Value.moneyText($0.amount, digits: 2))" }
    }

    func decision(_ id: String) -> Decision? { decisions.first { $0.id == id } }
}
