import Foundation
import TallyAudit
import TallyDriver
import TallySource
import TallyTestSupport
import XCTest

/// The decision ledger is tamper-evident: every kind of tampering is reported with its
/// line, and `tally verify` re-derives the records from the rules and ledgers at hand.
final class AuditTests: XCTestCase {
    var folder: URL!
    var project: URL!
    var output: URL { folder.appendingPathComponent("out") }
    var decisions: URL { output.appendingPathComponent("decisions.jsonl") }

    /// A copy of examples/acme (rules included) run once into `out`.
    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-audit-\(UUID().uuidString)")
        project = try Golden.acmeProject(in: folder)
        let run = ProjectRun.run(project.path, output: output.path)
        XCTAssertNotNil(run.result)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: folder)
    }

    func verify() -> Verification { Verification.verify(project: project.path, output: output.path) }

    func lines() throws -> [String] { try String(contentsOf: decisions, encoding: .utf8).split(separator: "\n").map(String.init) }

    func write(_ lines: [String]) throws {
        try (lines.joined(separator: "\n") + "\n").write(to: decisions, atomically: true, encoding: .utf8)
    }

    func assertBroken(_ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        let report = verify()
        XCTAssertEqual(report.exitCode, 1, file: file, line: line)
        XCTAssertTrue(report.text.contains(expected), report.text, file: file, line: line)
    }

    func testAnUntouchedLedgerVerifies() {
        let report = verify()
        XCTAssertEqual(report.exitCode, 0, report.text)
        XCTAssertTrue(report.text.contains("hash chain intact from header to end; rule files, ledgers and keys match the header; the other outputs match the end record; re-derived from the inputs: identical"), report.text)
    }

    func testTheHeaderNamesTheRulesTheInputsAndTheParameters() throws {
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try lines()[0].utf8)) as? [String: Any])
        XCTAssertEqual(header["type"] as? String, "header")
        XCTAssertEqual((header["rules"] as? [[String: Any]])?.compactMap { $0["file"] as? String }, ["acme.tally", "acme-rates.tally"])
        let inputs = (header["inputs"] as? [[String: Any]] ?? []).compactMap { $0["file"] as? String }
        XCTAssertEqual(inputs.prefix(2), ["tally.yaml", "referrers.csv"])
        XCTAssertTrue(inputs.contains("clicks.csv") && inputs.contains("resolutions.csv"))
        let parameters = try XCTUnwrap(header["parameters"] as? [String: Any])
        XCTAssertEqual(parameters["as_of"] as? String, "2026-06-01T02:14:31Z")
        XCTAssertEqual(parameters["as_of_from"] as? String, "latest event")
        // The inputs digest is `sha256sum FILES | sha256sum` over the listed files.
        let manifest = (header["inputs"] as? [[String: Any]] ?? []).map { "\($0["sha256"] as! String)  \($0["file"] as! String)\n" }.joined()
        XCTAssertEqual(header["inputs_digest"] as? String, Digest.sha256(manifest))
        let end = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try lines().last!.utf8)) as? [String: Any])
        XCTAssertEqual(end["type"] as? String, "end")
        XCTAssertEqual(end["records"] as? Int, try lines().count - 1)
    }

    func testAnEditedRecordIsNamedByItsLine() throws {
        var all = try lines()
        all[9] = all[9].replacingOccurrences(of: "\"amount\":\"", with: "\"amount\":\"1")
        try write(all)
        assertBroken("decisions.jsonl:10: the hash chain is broken: this record was edited after it was written")
    }

    func testARemovedRecordIsNoticed() throws {
        var all = try lines()
        all.remove(at: 5)
        try write(all)
        assertBroken("decisions.jsonl:6: the hash chain is broken: a record was removed before this line")
    }

    func testAnInsertedRecordIsNoticed() throws {
        var all = try lines()
        all.insert(all[4].replacingOccurrences(of: "\"status\":\"payable\"", with: "\"status\":\"pending\""), at: 7)
        try write(all)
        assertBroken("decisions.jsonl:8: the hash chain is broken: this record was inserted")
    }

    func testReorderedRecordsAreNoticed() throws {
        var all = try lines()
        all.swapAt(11, 12)
        try write(all)
        assertBroken("decisions.jsonl:12: the hash chain is broken: records are out of order: this record was written right after the one now on line 13")
    }

    func testRecordsRemovedFromTheEndOrTheStartAreNoticed() throws {
        let all = try lines()
        try write(Array(all.dropLast(3)))
        assertBroken(":\(all.count - 3): the file ends without its end record: records were removed from the end")
        try write(Array(all.dropFirst()))
        assertBroken("decisions.jsonl:1: the hash chain is broken: the first record does not start the chain")
    }

    /// Any single byte changed anywhere makes verify fail and name a line.
    func testEditingAnyByteIsCaught() throws {
        let original = try Data(contentsOf: decisions)
        var random = SeededRandom(seed: 8)
        for _ in 0..<25 {
            var bytes = [UInt8](original)
            let position = Int(random.next() % UInt64(bytes.count))
            let replacement = UInt8(32 + random.next() % 95)
            bytes[position] = replacement == bytes[position] ? (replacement == 65 ? 66 : 65) : replacement
            try Data(bytes).write(to: decisions)
            let report = verify()
            XCTAssertEqual(report.exitCode, 1, "byte \(position): \(report.text)")
            XCTAssertTrue(report.text.range(of: #"decisions\.jsonl:\d+: "#, options: .regularExpression) != nil, report.text)
        }
    }

    /// A forger who rewrites a record and re-chains everything after it keeps the chain
    /// intact, but not the re-derivation.
    func testARechainedForgeryIsCaughtByTheRerun() throws {
        var all = try lines()
        let index = try XCTUnwrap(all.firstIndex { $0.contains("\"status\":\"payable\"") })
        all[index] = all[index].replacingOccurrences(of: "\"status\":\"payable\",\"outcome\"", with: "\"status\":\"payable\",\"outcome\"")
            .replacingOccurrences(of: #""amount":"(\d+)\."#, with: "\"amount\":\"9$1.", options: .regularExpression)
        rechain(&all)
        try write(all)
        let report = verify()
        XCTAssertEqual(report.exitCode, 1)
        XCTAssertTrue(report.text.contains("decisions.jsonl:\(index + 1): re-deriving from the rules and ledgers at hand gives a different record"), report.text)
        XCTAssertTrue(report.text.contains("`amount` was \"9"), report.text)
    }

    /// Links every record again, as a forger would after editing one.
    func rechain(_ all: inout [String]) {
        var previous = HashChain.genesis
        for position in all.indices {
            let body = all[position].replacingOccurrences(of: #",\"prev\":\"[0-9a-f]{64}\",\"hash\":\"[0-9a-f]{64}\"\}$"#, with: "", options: .regularExpression)
            let withPrev = body + ",\"prev\":\"\(previous)\"}"
            let hash = Digest.sha256(withPrev)
            all[position] = body + ",\"prev\":\"\(previous)\",\"hash\":\"\(hash)\"}"
            previous = hash
        }
    }

    func testALedgerLargerThanALeafIsRecordedByItsTreeAndVerified() throws {
        // Blank lines hold no record: the clicks file grows past 1 MiB, its clicks stay.
        let clicks = project.appendingPathComponent("clicks.csv")
        let original = try Data(contentsOf: clicks)
        try (original + Data(repeating: UInt8(ascii: "\n"), count: Digest.treeLeaf)).write(to: clicks)
        _ = ProjectRun.run(project.path, output: output.path)
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try lines()[0].utf8)) as? [String: Any])
        let entry = try XCTUnwrap((header["inputs"] as? [[String: Any]])?.first { $0["file"] as? String == "clicks.csv" })
        XCTAssertEqual(entry["sha256_tree"] as? String, Digest.input(clicks.path)?.hex)
        XCTAssertNil(entry["sha256"])
        let manifest = (header["inputs"] as? [[String: Any]] ?? []).map { "\(($0["sha256"] ?? $0["sha256_tree"]) as! String)  \($0["file"] as! String)\n" }.joined()
        XCTAssertEqual(header["inputs_digest"] as? String, Digest.sha256(manifest))
        XCTAssertEqual(verify().exitCode, 0, verify().text)

        // A byte changed in the middle of the second leaf (a blank line ended by CR LF).
        var changed = try Data(contentsOf: clicks)
        changed[original.count + Digest.treeLeaf / 2] = UInt8(ascii: "\r")
        try changed.write(to: clicks)
        var report = verify()
        XCTAssertEqual(report.exitCode, 1)
        XCTAssertTrue(report.text.contains("input `clicks.csv` changed since the run (SHA-256 tree then"), report.text)
        XCTAssertTrue(report.text.contains("only the header"), "no decision changes: \(report.text)")

        // A header written before tree digests gives the plain SHA-256: the file is
        // compared that way, and not reported as changed.
        try (original + Data(repeating: UInt8(ascii: "\n"), count: Digest.treeLeaf)).write(to: clicks)
        var all = try lines()
        let tree = try XCTUnwrap(entry["sha256_tree"] as? String)
        all[0] = all[0].replacingOccurrences(of: "\"sha256_tree\":\"\(tree)\"", with: "\"sha256\":\"\(try XCTUnwrap(Digest.file(clicks.path)))\"")
        rechain(&all)
        try write(all)
        report = verify()
        XCTAssertFalse(report.text.contains("clicks.csv"), report.text)
        XCTAssertTrue(report.text.contains("only the header"), report.text)
    }

    func testVerifyNamesAChangedRuleFileAndAChangedLedger() throws {
        let rates = folder.appendingPathComponent("rules/acme-rates.tally")
        let text = try String(contentsOf: rates, encoding: .utf8)
        try text.replacingOccurrences(of: "\"influencer\", \"silver\" -> 10%", with: "\"influencer\", \"silver\" -> 11%")
            .write(to: rates, atomically: true, encoding: .utf8)
        var report = verify()
        XCTAssertEqual(report.exitCode, 1)
        XCTAssertTrue(report.text.contains("rule file `acme-rates.tally` changed since the run"), report.text)
        XCTAssertTrue(report.text.range(of: #"decisions\.jsonl:\d+: re-deriving from the rules and ledgers at hand gives a different record for decision \S+: `[a-z_.\[\]0-9]+` was "#,
                                        options: .regularExpression) != nil, report.text)
        // A comment changes the digest but no decision.
        try (text + "# a note\n").write(to: rates, atomically: true, encoding: .utf8)
        report = verify()
        XCTAssertEqual(report.exitCode, 1)
        XCTAssertTrue(report.text.contains("every decision and adjustment re-derives identically; only the header (and the end record's digests of the other outputs) differ"), report.text)
        try text.write(to: rates, atomically: true, encoding: .utf8)
        XCTAssertEqual(verify().exitCode, 0)

        let refunds = project.appendingPathComponent("refunds.csv")
        let ledger = try String(contentsOf: refunds, encoding: .utf8)
        let lines = ledger.split(separator: "\n", omittingEmptySubsequences: false)
        try (lines.prefix(2) + lines.dropFirst(3)).joined(separator: "\n").write(to: refunds, atomically: true, encoding: .utf8)
        report = verify()
        XCTAssertEqual(report.exitCode, 1)
        XCTAssertTrue(report.text.contains("input `refunds.csv` changed since the run"), report.text)
        XCTAssertTrue(report.text.contains("gives a different record for"), "the re-run notices it too: \(report.text)")
    }

    func testAnEditedStatementIsNoticed() throws {
        let statements = output.appendingPathComponent("statements.csv")
        let text = try String(contentsOf: statements, encoding: .utf8)
        try text.replacingOccurrences(of: ",total,USD,0.00,", with: ",total,USD,1.00,").write(to: statements, atomically: true, encoding: .utf8)
        assertBroken("statements.csv: changed after the run")
    }

    /// Canonical JSON: each line is the compact rendering of its members in order, so a
    /// few lines of Python re-create every hash (README, "Canonical JSON").
    func testStringsAreEscapedTheWayTheCanonicalFormSays() {
        let text = "quote \" backslash \\ newline \n tab \t bell \u{7} backspace \u{8} formfeed \u{C} é ✓ /"
        XCTAssertEqual(JSON.string(text).rendered(),
                       #""quote \" backslash \\ newline \n tab \t bell \u0007 backspace \b formfeed \f é ✓ /""#)
    }

    func testRedactionLeavesNoEmailIPOrDeviceInAnyOutput() throws {
        // Free text too: a survey answer naming an ip and an email nobody else uses.
        let surveys = project.appendingPathComponent("surveys.csv")
        try (String(contentsOf: surveys, encoding: .utf8)
             + "#1013,\"saw it from 198.51.100.220. Also jane.private@example.org. Then 10.1.2.3:8080 and [2001:db8::7]:443 and 2001:db8::\",2026-02-22T17:40:00-05:00,\n")
            .write(to: surveys, atomically: true, encoding: .utf8)
        let shared = folder.appendingPathComponent("shared")
        let run = ProjectRun.run(project.path, output: shared.path, redact: true)
        XCTAssertNotNil(run.result, run.usageError ?? "")
        // Every email, ip and device id of the ledgers.
        var identifiers = Set<String>()
        for name in ["clicks.csv", "referrers.csv", "shopify-orders.csv", "amazon-all-orders.txt", "surveys.csv"] {
            let text = try String(contentsOf: project.appendingPathComponent(name), encoding: .utf8)
            for match in text.matches(of: #/[A-Za-z0-9._+-]+@[A-Za-z0-9.-]+\.[a-z]+|\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b|\b[0-9a-f]{1,4}(:[0-9a-f]{0,4}){2,7}|dv-[0-9a-f]+|2001:db8::/#) {
                identifiers.insert(String(match.output.0))
            }
        }
        XCTAssertGreaterThan(identifiers.count, 50)
        let files = try FileManager.default.contentsOfDirectory(atPath: shared.path)
        XCTAssertEqual(Set(files), ["decisions.jsonl", "statements.csv", "rejects.csv", "summary.json"])
        for file in files {
            let text = try String(contentsOf: shared.appendingPathComponent(file), encoding: .utf8).lowercased()
            for identifier in identifiers where text.contains(identifier.lowercased()) {
                XCTFail("\(file) still holds \(identifier)")
            }
        }
        // Same value, same pseudonym: two runs agree, and the redacted ledger verifies.
        let again = ProjectRun.run(project.path, output: shared.path, write: false, redact: true)
        XCTAssertEqual(again.outputs?.decisions, try String(contentsOf: shared.appendingPathComponent("decisions.jsonl"), encoding: .utf8))
        XCTAssertEqual(Verification.verify(project: project.path, output: shared.path).exitCode, 0)
        let text = try String(contentsOf: shared.appendingPathComponent("decisions.jsonl"), encoding: .utf8)
        XCTAssertTrue(text.contains("\"customer\":\"anon-"), "customers are pseudonyms")
    }

    func testRedactionWithoutAKeyIsAUsageError() throws {
        let yaml = project.appendingPathComponent("tally.yaml")
        let text = try String(contentsOf: yaml, encoding: .utf8)
        try text.split(separator: "\n").filter { !$0.hasPrefix("redaction:") }.joined(separator: "\n").write(to: yaml, atomically: true, encoding: .utf8)
        let run = ProjectRun.run(project.path, write: false, redact: true)
        XCTAssertEqual(run.exitCode, 2)
        XCTAssertTrue(run.usageError?.contains("--redact needs a key") == true)
    }

    func testARunThatCannotRenameItsLedgerLeavesNothingHalfWritten() throws {
        let blocked = folder.appendingPathComponent("blocked")
        try FileManager.default.createDirectory(at: blocked.appendingPathComponent("decisions.jsonl/inside"), withIntermediateDirectories: true)
        let run = ProjectRun.run(project.path, output: blocked.path)
        XCTAssertEqual(run.exitCode, 2)
        XCTAssertTrue(run.usageError?.contains("cannot write the outputs to") == true, run.usageError ?? "")
        let left = try FileManager.default.contentsOfDirectory(atPath: blocked.path)
        XCTAssertFalse(left.contains { $0.hasPrefix(".decisions.jsonl.partial") }, "\(left)")
    }

    /// A re-run keeps the ledger it replaces as decisions.previous.jsonl and rewrites the
    /// one kept before in place: a longer earlier ledger is cut to the new records, and
    /// the new ledger is exactly what the run renders (it verifies).
    func testARerunKeepsThePreviousLedgerAndRewritesTheOneBeforeInPlace() throws {
        let previous = output.appendingPathComponent("decisions.previous.jsonl")
        let full = try Data(contentsOf: decisions)
        XCTAssertFalse(FileManager.default.fileExists(atPath: previous.path), "a first run has no previous ledger")
        // An earlier as-of decides fewer orders: a shorter ledger written over the longer one.
        let early = ProjectRun.run(project.path, asOf: "2026-02-15", output: output.path)
        XCTAssertNotNil(early.result, early.usageError ?? "")
        XCTAssertEqual(try Data(contentsOf: previous), full)
        let short = try Data(contentsOf: decisions)
        XCTAssertLessThan(short.count, full.count)
        // The third run rewrites the first run's file (now previous) with the longer ledger.
        let inode = try FileManager.default.attributesOfItem(atPath: previous.path)[.systemFileNumber] as? Int
        let again = ProjectRun.run(project.path, output: output.path)
        XCTAssertNotNil(again.result, again.usageError ?? "")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: decisions.path)[.systemFileNumber] as? Int, inode,
                       "the kept ledger's file is reused")
        XCTAssertEqual(try Data(contentsOf: decisions), full)
        XCTAssertEqual(try Data(contentsOf: previous), short)
        // And the short ledger, rewritten over the long one, is cut to its own records.
        _ = ProjectRun.run(project.path, asOf: "2026-02-15", output: output.path)
        XCTAssertEqual(try Data(contentsOf: decisions), short)
        XCTAssertEqual(verify().exitCode, 0, verify().text)
        let left = try FileManager.default.contentsOfDirectory(atPath: output.path)
        XCTAssertEqual(Set(left), ["decisions.jsonl", "decisions.previous.jsonl", "statements.csv", "rejects.csv", "summary.json"])
    }

    /// Only a regular file is rewritten in place: a previous ledger that is a link to some
    /// other file leaves that file as it is.
    func testAPreviousLedgerThatIsALinkIsNotWrittenThrough() throws {
        let elsewhere = folder.appendingPathComponent("elsewhere.txt")
        try "not a ledger\n".write(to: elsewhere, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(at: output.appendingPathComponent("decisions.previous.jsonl"), withDestinationURL: elsewhere)
        let run = ProjectRun.run(project.path, output: output.path)
        XCTAssertNotNil(run.result, run.usageError ?? "")
        XCTAssertEqual(try String(contentsOf: elsewhere, encoding: .utf8), "not a ledger\n")
        XCTAssertEqual(verify().exitCode, 0, verify().text)
    }

    /// A redacted run keeps no previous ledger: the one it replaces may name the people
    /// redaction hides.
    func testARedactedRunKeepsNoPreviousLedger() throws {
        _ = ProjectRun.run(project.path, output: output.path)
        XCTAssertTrue(FileManager.default.fileExists(atPath: output.appendingPathComponent("decisions.previous.jsonl").path))
        let run = ProjectRun.run(project.path, output: output.path, redact: true)
        XCTAssertNotNil(run.result, run.usageError ?? "")
        let left = try FileManager.default.contentsOfDirectory(atPath: output.path)
        XCTAssertEqual(Set(left), ["decisions.jsonl", "statements.csv", "rejects.csv", "summary.json"])
    }

    func testVerifyOfARunInsideMonthsClosedSinceReportsTheFindings() throws {
        let early = folder.appendingPathComponent("march")
        _ = ProjectRun.run(project.path, asOf: "2026-03-15", output: early.path)
        XCTAssertEqual(PeriodClose.close(project: project.path, period: "2026-04", asOf: nil, output: nil).exitCode, 0)
        // What the close wrote verifies: its header names the paid ledger as the close left it.
        let closed = Verification.verify(project: project.path, output: nil)
        XCTAssertEqual(closed.exitCode, 0, closed.text)
        let report = Verification.verify(project: project.path, output: early.path)
        XCTAssertEqual(report.exitCode, 1, report.text)
        XCTAssertTrue(report.text.contains("input `paid.jsonl` is an input now but was not one of the run"), report.text)
        // A later run without --as-of starts at the end of the closed months, and says so.
        let later = ProjectRun.run(project.path, write: false)
        XCTAssertEqual(later.header?.asOfSource, "latest event")
        XCTAssertEqual(PeriodClose.close(project: project.path, period: "2026-06", asOf: "2026-06-30", output: nil).exitCode, 0)
        XCTAssertEqual(ProjectRun.run(project.path, write: false).header?.asOfSource, "end of closed months")
        // A close cut from the end of the ledger does not let June be closed again.
        let paid = project.appendingPathComponent("paid.jsonl")
        let lines = HashChain.lines(try String(contentsOf: paid, encoding: .utf8)).map(String.init)
        let june = try XCTUnwrap(lines.firstIndex { $0.contains("\"type\":\"close\"") && $0.contains("\"period\":\"2026-06\"") })
        try (lines.prefix(june).joined(separator: "\n") + "\n").write(to: paid, atomically: true, encoding: .utf8)
        let again = PeriodClose.close(project: project.path, period: "2026-06", asOf: "2026-06-30", output: nil)
        XCTAssertEqual(again.exitCode, 2)
        XCTAssertTrue(again.text.contains("holds a run that closed 2026-06 already"), again.text)
    }
}
