import Foundation
import TallyAudit
import TallyDriver
import TallyTestSupport
import XCTest

/// The example project end to end: every output file and a few explanations are
/// golden files (`TALLY_UPDATE_GOLDENS=1 swift test` rewrites them; review the diff).
final class AcmeGoldenTests: XCTestCase {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/acme")

    func testOutputsMatchTheirGoldens() throws {
        let run = ProjectRun.run(Golden.repository.appendingPathComponent("examples/acme").path, write: false)
        let outputs = try XCTUnwrap(run.outputs)
        try FileManager.default.createDirectory(at: Self.golden, withIntermediateDirectories: true)
        Golden.assertMatches(outputs.decisions, golden: Self.golden.appendingPathComponent("decisions.jsonl"))
        Golden.assertMatches(outputs.statements, golden: Self.golden.appendingPathComponent("statements.csv"))
        Golden.assertMatches(outputs.rejects, golden: Self.golden.appendingPathComponent("rejects.csv"))
        Golden.assertMatches(outputs.summary, golden: Self.golden.appendingPathComponent("summary.json"))
        XCTAssertEqual(run.exitCode, 1, "the example holds deliberately bad rows")
        XCTAssertEqual(run.load.loaded?.ledgers.rejects.count, 9)
    }

    func testExplanationsMatchTheirGoldens() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("acme-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = ProjectRun.run(Golden.repository.appendingPathComponent("examples/acme").path, output: folder.path)
        XCTAssertNotNil(run.result)
        for order in ["#1013", "#1018", "#1011", "#1016", "#1010", "113-2814464-5777453"] {
            let text = try Explanation.explain(order: order, folder: folder.path).get()
            let name = "explain-" + order.replacingOccurrences(of: "#", with: "") + ".txt"
            Golden.assertMatches(text, golden: Self.golden.appendingPathComponent(name))
        }
        if case .success = Explanation.explain(order: "#9999", folder: folder.path) { XCTFail("an unknown order has no story") }
    }
}
