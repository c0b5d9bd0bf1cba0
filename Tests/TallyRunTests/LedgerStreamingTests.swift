import Foundation
@testable import TallyAudit
import TallyDriver
import TallyLedgers
import TallySource
import TallyTestSupport
import XCTest

/// `tally verify` reads a ledger a line at a time and compares the re-derived records as
/// they come, instead of holding both whole: each piece is checked here against the
/// whole-file reading it replaces (`HashChain.lines`, `firstBreak`, a byte comparison).
final class LedgerStreamingTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-streaming-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: folder)
    }

    func file(_ bytes: [UInt8], _ name: String = "ledger.jsonl") throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    /// Lines read a block at a time are the lines of the whole text, with blocks smaller
    /// than a line (the buffer grows), empty lines, a last line without its line end and
    /// an empty file.
    func testLinesReadInBlocksAreTheLinesOfTheWholeText() throws {
        var random = SeededRandom(seed: 41)
        for round in 0..<60 {
            var text = ""
            for _ in 0..<Int(random.next() % 12) {
                let length = Int(random.next() % 40)
                text += String((0..<length).map { _ in Character(UnicodeScalar(UInt8(97 + random.next() % 26))) })
                if random.next() % 5 != 0 { text += "\n" }
            }
            if round % 7 == 0 { text += "é×\n\n" }
            let path = try file(Array(text.utf8))
            let reader = try XCTUnwrap(LedgerLines(path: path, blockSize: 1 + Int(random.next() % 9)))
            var lines: [String] = []
            var endsWithLineEnd = true
            while let line = reader.next() {
                lines.append(String(decoding: line, as: UTF8.self))
                endsWithLineEnd = reader.lastHadLineEnd
            }
            XCTAssertEqual(lines, HashChain.lines(text).map(String.init), "round \(round): \(text.debugDescription)")
            XCTAssertEqual(endsWithLineEnd, text.isEmpty || text.hasSuffix("\n"), "round \(round)")
            XCTAssertNil(reader.problem)
        }
        XCTAssertNil(LedgerLines(path: folder.appendingPathComponent("missing").path))
    }

    /// The line-at-a-time chain check finds a chain intact exactly when the whole-file
    /// check finds no break, and the links read a line at a time name the same break: on
    /// the example's ledger as written, and with any one byte changed, a line removed,
    /// doubled or swapped, bad UTF-8, or the last line end dropped.
    func testTheChainScanAgreesWithTheWholeFileCheck() throws {
        let project = try Golden.acmeProject(in: folder)
        let output = folder.appendingPathComponent("out")
        XCTAssertNotNil(ProjectRun.run(project.path, output: output.path).result)
        let original = [UInt8](try Data(contentsOf: output.appendingPathComponent("decisions.jsonl")))
        let lines = original.split(separator: 10, omittingEmptySubsequences: false).dropLast().map(Array.init)
        func check(_ bytes: [UInt8], _ what: String) throws {
            let path = try file(bytes)
            let scan = try XCTUnwrap(HashChain.scan(path: path))
            let whole = HashChain.lines(String(decoding: bytes, as: UTF8.self))
            XCTAssertEqual(scan.intact, HashChain.firstBreak(whole) == nil, what)
            let links = try XCTUnwrap(HashChain.links(path: path))
            XCTAssertEqual(links, whole.map(HashChain.link), what)
            XCTAssertEqual(HashChain.firstBreak(links: links), HashChain.firstBreak(whole), what)
            XCTAssertEqual(scan.lines, whole.count, what)
            XCTAssertEqual(scan.first.map { String(decoding: $0, as: UTF8.self) }, whole.first.map(String.init), what)
            XCTAssertEqual(scan.last.map { String(decoding: $0, as: UTF8.self) }, whole.last.map(String.init), what)
        }
        try check(original, "as written")
        XCTAssertTrue(try XCTUnwrap(HashChain.scan(path: try file(original))).intact)
        try check(Array(original.dropLast()), "without the last line end")
        try check([], "empty")
        var random = SeededRandom(seed: 12)
        for _ in 0..<40 {
            var bytes = original
            let position = Int(random.next() % UInt64(bytes.count))
            bytes[position] = bytes[position] == 48 ? 49 : 48
            try check(bytes, "byte \(position)")
        }
        let joined = { (lines: [[UInt8]]) in Array(lines.map { $0 + [10] }.joined()) }
        try check(joined(Array(lines.dropFirst(3))), "first lines removed")
        try check(joined(lines + [lines[4]]), "a line doubled at the end")
        var swapped = lines
        swapped.swapAt(5, 6)
        try check(joined(swapped), "two lines swapped")
        try check(joined(lines.enumerated().map { $0.offset == 3 ? Array("{\"x\":\"\u{FF}\"}".utf8) + [0xFF] : $0.element }), "bad UTF-8")
    }

    /// What the comparison finds is what comparing the two ledgers whole finds: whether
    /// they are the same bytes, both counts, both headers, and the first record after the
    /// header whose content differs, however the re-derived records come in batches.
    func testTheComparisonFindsWhatComparingWholeLedgersFinds() throws {
        func line(_ content: String, _ chain: String) -> String { content + ",\"prev\":\"\(chain)\",\"hash\":\"\(chain)\"}" }
        let base = (0..<12).map { line("{\"type\":\"decision\",\"id\":\"\($0)\"", "a") }
        var random = SeededRandom(seed: 3)
        for round in 0..<80 {
            var recorded = base, rederived = base
            switch round % 8 {
            case 0: break
            case 1: rederived[Int(random.next() % 12)] = line("{\"type\":\"decision\",\"id\":\"x\"", "a")
            case 2: rederived[Int(random.next() % 12)] = line("{\"type\":\"decision\",\"id\":\"0\"", "b")  // the chain only
            case 3: rederived[0] = line("{\"type\":\"header\"", "a")
            case 4: rederived.removeLast(Int(random.next() % 3) + 1)
            case 5: recorded += [line("{\"type\":\"end\"", "c")]
            case 6: recorded[3] = "not a record"
            default: rederived[2 + Int(random.next() % 9)] = line("{\"type\":\"decision\"", "a")
            }
            var recordedBytes = Array(recorded.map { $0 + "\n" }.joined().utf8)
            if round % 16 == 8 { recordedBytes.removeLast() }  // no last line end, nothing else changed
            let comparison = try XCTUnwrap(LedgerComparison(recorded: try file(recordedBytes)))
            var next = 0
            while next < rederived.count {
                let batch = min(rederived.count - next, 1 + Int(random.next() % 4))
                let bytes = Array(rederived[next..<next + batch].map { $0 + "\n" }.joined().utf8)
                bytes.withUnsafeBytes { comparison.compare($0) }
                next += batch
            }
            comparison.finish()
            let rederivedBytes = Array(rederived.map { $0 + "\n" }.joined().utf8)
            let whole = HashChain.lines(String(decoding: recordedBytes, as: UTF8.self)).map(String.init)
            XCTAssertEqual(comparison.identical, recordedBytes == rederivedBytes, "round \(round)")
            XCTAssertEqual(comparison.recordedCount, whole.count, "round \(round)")
            XCTAssertEqual(comparison.rederivedCount, rederived.count, "round \(round)")
            XCTAssertEqual(comparison.recordedHeader.map { String(decoding: $0, as: UTF8.self) }, whole.first, "round \(round)")
            XCTAssertEqual(comparison.rederivedHeader.map { String(decoding: $0, as: UTF8.self) }, rederived.first, "round \(round)")
            func content(_ line: String) -> Substring {
                line.range(of: ",\"prev\":\"", options: .backwards).map { line[..<$0.lowerBound] } ?? Substring(line)
            }
            let first = (1..<min(whole.count, rederived.count)).first { content(whole[$0]) != content(rederived[$0]) }
            XCTAssertEqual(comparison.firstDifference?.index, first, "round \(round)")
            if let found = comparison.firstDifference {
                XCTAssertEqual(String(decoding: found.recorded, as: UTF8.self), whole[found.index], "round \(round)")
                XCTAssertEqual(String(decoding: found.rederived, as: UTF8.self), rederived[found.index], "round \(round)")
            }
        }
    }

    /// A ledger whose last line end was dropped still has an intact chain, but is not
    /// what the run wrote: verify says only the bytes outside the records differ.
    func testALedgerWithoutItsLastLineEndIsNotIdentical() throws {
        let project = try Golden.acmeProject(in: folder)
        let output = folder.appendingPathComponent("out")
        XCTAssertNotNil(ProjectRun.run(project.path, output: output.path).result)
        let decisions = output.appendingPathComponent("decisions.jsonl")
        try Data([UInt8](try Data(contentsOf: decisions)).dropLast()).write(to: decisions)
        let report = Verification.verify(project: project.path, output: output.path)
        XCTAssertEqual(report.exitCode, 1, report.text)
        XCTAssertTrue(report.text.contains("decisions.jsonl:1: every decision and adjustment re-derives identically"), report.text)
    }

    /// `tally explain` reads as JSON only the lines that name the order as records write
    /// it: an id written with an escape (a quote) is found, and suggested when a near one
    /// is asked for.
    func testExplainFindsAnOrderWhoseIdIsWrittenWithEscapes() throws {
        let project = try Golden.acmeProject(in: folder)
        let orders = project.appendingPathComponent("shopify-orders.csv")
        let text = try String(contentsOf: orders, encoding: .utf8)
        try text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("#1001,") ? "\"#1001\"\"\"" + $0.dropFirst(5) : $0 }
            .joined(separator: "\n").write(to: orders, atomically: true, encoding: .utf8)
        let output = folder.appendingPathComponent("out")
        XCTAssertNotNil(ProjectRun.run(project.path, output: output.path).result)
        let story = try Explanation.explain(order: "#1001\"", folder: output.path).get()
        XCTAssertTrue(story.hasPrefix("Order #1001\":"), story)
        guard case .failure(let problem) = Explanation.explain(order: "#1001", folder: output.path) else {
            return XCTFail("order #1001 is now #1001\"")
        }
        XCTAssertTrue(problem.message.contains("did you mean `#1001\"`?"), problem.message)
    }

    /// A flat record read at a glance gives what `JSONSerialization` gives for it: every
    /// member's text or integer, with escapes, non-ASCII text, surrogate pairs and control
    /// characters; anything else (a nested value, a fraction, `true`, spaces, a repeated
    /// name, bad escapes) is left to `JSONSerialization`.
    func testFlatRecordsReadAsJSONSerializationReadsThem() throws {
        var random = SeededRandom(seed: 23)
        let pieces = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{1}", "\u{1F}", "\u{7F}", "\u{E9}", "\u{20AC}", "\u{1F600}", "\u{FFFD}", "×"]
        for round in 0..<400 {
            var members: [(String, JSON)] = []
            for index in 0..<Int(random.next() % 8) {
                let text = (0..<Int(random.next() % 6)).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined()
                let value: JSON = random.next() % 3 == 0 ? .int(Int64(bitPattern: random.next()) >> Int64(random.next() % 64)) : .string(text)
                members.append(("k\(index)\(text)", value))
            }
            let line = Array(JSON.object(members).rendered().utf8)
            let flat = try XCTUnwrap(line.withUnsafeBufferPointer { FlatRecord.object($0) }, "round \(round): \(String(decoding: line, as: UTF8.self))")
            let general = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
            XCTAssertEqual(Set(flat.keys), Set(general.keys), "round \(round)")
            for (name, value) in general {
                if let text = value as? String {
                    XCTAssertEqual(flat[name] as? String, text, "round \(round), \(name)")
                } else {
                    XCTAssertEqual(flat[name] as? Int, value as? Int, "round \(round), \(name)")
                }
            }
        }
        let surrogates = #"{"a":"\ud83d\ude00","b":"\u00e9\/"}"#
        let pair = try XCTUnwrap(Array(surrogates.utf8).withUnsafeBufferPointer { FlatRecord.object($0) })
        XCTAssertEqual(pair["a"] as? String, "\u{1F600}")
        XCTAssertEqual(pair["b"] as? String, "\u{E9}/")
        for other in [#"{"a":{"b":1}}"#, #"{"a":[1]}"#, #"{"a":1.5}"#, #"{"a":true}"#, #"{"a":null}"#, #"{"a": 1}"#, #"{"a":1,"a":2}"#,
                      #"{"a":"\ud83d"}"#, #"{"a":"\x"}"#, #"{"a":01}"#, #"{"a":1e3}"#, #"{"a":"b"} "#, #"{"a":"b""#, "{\"a\":\"\u{1}\"}",
                      #"{"a":99999999999999999999}"#, #"["a"]"#, ""] {
            XCTAssertNil(Array(other.utf8).withUnsafeBufferPointer { FlatRecord.object($0) }, other)
        }
    }
}
