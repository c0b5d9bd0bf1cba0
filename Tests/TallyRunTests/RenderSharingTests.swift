import Foundation
@testable import TallyAudit
import TallyDriver
import TallyRun
import TallyTestSupport
import XCTest

/// While the renderer has batches waiting, the runner renders the next batch's records
/// itself and leaves the chain only `prev` and `hash` (`RenderedBodies`): whichever core
/// renders a record, the decision ledger's bytes are the same.
final class RenderSharingTests: XCTestCase {
    func testRecordsRenderedOnEitherCoreAreTheSameBytes() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-share-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let project = try Golden.acmeProject(in: folder)
        let load = ProjectLoad.load(project.path)
        let loaded = try XCTUnwrap(load.loaded)
        let redactor = Redactor(secret: Array("a test key".utf8), program: loaded.plan.name, identifiers: loaded.ledgers.personalIdentifiers)
        for detail in TraceDetail.allCases {
            let result = Runner.run(loaded.plan, ledgers: loaded.ledgers, traceDetail: detail)
            // Acme's decisions fill a few batches of 256 when streamed twelve times over.
            XCTAssertGreaterThan(result.decisions.count * 12, 512, "\(detail)")
            for redacting in [nil, redactor] {
                let chained = try ledger(result, load, detail: detail, redactor: redacting, rounds: 12, renderAheadAt: Int.max)
                XCTAssertGreaterThan(chained.count, 10_000)
                let what = "\(detail), redacted: \(redacting != nil)"
                assertSame(chained, try generalLedger(result, load, detail: detail, redactor: redacting, rounds: 12), what + ", against the general chain")
                assertSame(try ledger(result, load, detail: detail, redactor: redacting, rounds: 12, renderAheadAt: 0), chained, what + ", every batch by the runner")
                // Some batches either way: the runner renders while one batch waits.
                assertSame(try ledger(result, load, detail: detail, redactor: redacting, rounds: 12, renderAheadAt: 1), chained, what + ", shared")
            }
        }
    }
}

/// Ledgers streamed and chained, for the tests of the decision stream (also `TraceRecyclingTests`).
extension XCTestCase {
    /// The records of `decisions` streamed `rounds` times over (several batches, so that
    /// batches rendered either way follow each other), with the runner rendering ahead
    /// once `renderAheadAt` batches wait.
    func ledger(_ result: RunResult, _ load: ProjectLoad, detail: TraceDetail, redactor: Redactor?, rounds: Int, renderAheadAt: Int) throws -> [UInt8] {
        let loaded = try XCTUnwrap(load.loaded)
        let plan = loaded.plan
        let header = RunHeader(program: plan.name, rules: loaded.rules, rulesVersion: plan.rulesVersion, inputs: loaded.inputDigests,
                               asOf: result.asOf, asOfSource: "test", redactionKey: nil, tokenKeys: loaded.tokenKeys, traceDetail: detail)
        let stream = DecisionLog.Stream(plan: plan, header: header, redactor: redactor, file: nil, comparison: nil, renderAheadAt: renderAheadAt)
        for _ in 0..<rounds {
            for decision in result.decisions {
                // A trace of its own, as a run hands decisions over.
                var own = decision
                own.restoreTrace(decision.trace)
                stream.receive(own)
            }
        }
        var log = stream.finish(adjustments: result.adjustments)
        log.close()
        return log.bytes
    }

    /// The same records chained the general way, one at a time (`DecisionLog.append`,
    /// hashed by swift-crypto), not in batches of bodies hashed two at a time.
    func generalLedger(_ result: RunResult, _ load: ProjectLoad, detail: TraceDetail, redactor: Redactor?, rounds: Int) throws -> [UInt8] {
        let loaded = try XCTUnwrap(load.loaded)
        let plan = loaded.plan
        let header = RunHeader(program: plan.name, rules: loaded.rules, rulesVersion: plan.rulesVersion, inputs: loaded.inputDigests,
                               asOf: result.asOf, asOfSource: "test", redactionKey: nil, tokenKeys: loaded.tokenKeys, traceDetail: detail)
        var log = DecisionLog(plan: plan, header: header, redactor: redactor)
        log.append(decisions: Array(repeating: result.decisions, count: rounds).flatMap { $0 }, adjustments: result.adjustments)
        log.close()
        return log.bytes
    }

    /// Fails with the first line where two ledgers differ.
    func assertSame(_ ledger: [UInt8], _ expected: [UInt8], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        guard ledger != expected else { return }
        let lines = ledger.split(separator: 10, omittingEmptySubsequences: false), expectedLines = expected.split(separator: 10, omittingEmptySubsequences: false)
        let first = Array(zip(lines, expectedLines)).firstIndex { $0.0 != $0.1 } ?? min(lines.count, expectedLines.count)
        XCTFail("\(what): the ledgers differ from line \(first + 1) (\(lines.count) and \(expectedLines.count) lines)", file: file, line: line)
    }
}
