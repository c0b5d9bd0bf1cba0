import Foundation
@testable import TallyLedgers
import TallySource
import TallyTestSupport
import TallyValues
import XCTest

/// A large clicks file is read in pieces on two cores: the result must be the one of
/// reading it whole, rejects, duplicates and line numbers included.
final class ClickSplitTests: XCTestCase {
    func load(_ project: ScratchProject, split: Bool) throws -> Ledgers {
        try project.load { $0.splitClicksAbove = split ? 0 : Int.max }
    }

    func assertSame(_ whole: Ledgers, _ parts: Ledgers, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(parts.clicks.map { "\($0.id) \($0.at.secondsSinceEpoch) \($0.referrer) \($0.customer) \($0.source.line)" },
                       whole.clicks.map { "\($0.id) \($0.at.secondsSinceEpoch) \($0.referrer) \($0.customer) \($0.source.line)" }, file: file, line: line)
        XCTAssertEqual(parts.rejects.map { "\($0.line) \($0.column) \($0.reason)" }, whole.rejects.map { "\($0.line) \($0.column) \($0.reason)" },
                       file: file, line: line)
        XCTAssertEqual(parts.counts.map { [$0.read, $0.accepted, $0.rejected, $0.duplicates] }, whole.counts.map { [$0.read, $0.accepted, $0.rejected, $0.duplicates] },
                       file: file, line: line)
        XCTAssertEqual(parts.clicks.customerCount, whole.clicks.customerCount, file: file, line: line)
    }

    /// Time-ordered clicks with duplicates, bad rows and repeated timestamps throughout.
    func clicks(rows: Int, shuffledTail: Bool = false) -> String {
        var random = SeededRandom(seed: 7)
        var text = "id,at,referrer,customer,channel\n"
        var second = 1_767_225_600
        var lines: [String] = []
        for index in 0..<rows {
            if random.next() % 3 != 0 { second += Int(random.next() % 90) }
            let at = Timestamp(secondsSinceEpoch: Int64(second))
            let stamp = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(at.secondsSinceEpoch)))
            let referrer = random.next() % 50 == 0 ? "R9" : (random.next() % 2 == 0 ? "R1" : "R2")
            var row = "c\(index),\(random.next() % 40 == 0 ? "2026-02-30T00:00:00Z" : stamp),\(referrer),cust\(random.next() % 97),web"
            if random.next() % 60 == 0 { row = "c\(index),\(stamp),R1,,  web " }
            lines.append(row)
            if random.next() % 25 == 0 { lines.append(row) }  // an exact duplicate
        }
        if shuffledTail { lines.append(lines[3]) ; lines.append("late,2025-12-31T23:00:00Z,R1,cust1,web") }
        text += lines.joined(separator: "\n") + "\n"
        return text
    }

    func testAFileReadInTwoPartsGivesWhatReadingItWholeGives() throws {
        let project = try ScratchProject(files: ["referrers.csv": LoaderTests.referrers, "clicks.csv": clicks(rows: 3000)],
                                         ledgers: "  referrers: referrers.csv\n  clicks: clicks.csv\n")
        defer { project.remove() }
        let path = project.folder.appendingPathComponent("clicks.csv").path
        let cut = try XCTUnwrap(ClickSplit.find(path: path, delimiter: 44, atColumn: 1, minimumSize: 0, pieces: 8), "the file is cut in pieces")
        XCTAssertGreaterThan(cut.pieces.count, 4)
        // The pieces follow each other, each with the line it starts on and its line ends,
        // which size the click table before the first is read.
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        let lineEnds = bytes.filter { $0 == 10 }.count
        XCTAssertEqual(cut.pieces.first?.line, 2)
        XCTAssertEqual(cut.pieces.last?.range.upperBound, bytes.count)
        for (piece, next) in zip(cut.pieces, cut.pieces.dropFirst()) {
            XCTAssertEqual(next.range.lowerBound, piece.range.upperBound)
            XCTAssertEqual(next.line, piece.line + piece.lines)
            XCTAssertEqual(next.line, bytes[..<next.range.lowerBound].filter { $0 == 10 }.count + 1)
            // Never between two rows of the same second (exact duplicates stay in one piece).
            let before = String(decoding: bytes[..<(next.range.lowerBound - 1)].split(separator: 10).last!, as: UTF8.self)
            let after = String(decoding: bytes[next.range.lowerBound...].split(separator: 10).first!, as: UTF8.self)
            XCTAssertNotEqual(before.split(separator: ",")[1], after.split(separator: ",")[1])
        }
        XCTAssertEqual(cut.lines, lineEnds - 1 + 1, "every row's line, plus one for a last line without an end")
        let whole = try load(project, split: false)
        XCTAssertGreaterThan(whole.rejects.count, 50)
        XCTAssertGreaterThan(whole.counts[1].duplicates, 50)
        // Which core reads which pieces varies from run to run: the result may not.
        for _ in 0..<3 { assertSame(whole, try load(project, split: true)) }
    }

    func testAFileNotInTimeOrderIsReadWhole() throws {
        let project = try ScratchProject(files: ["referrers.csv": LoaderTests.referrers, "clicks.csv": clicks(rows: 2000, shuffledTail: true)],
                                         ledgers: "  referrers: referrers.csv\n  clicks: clicks.csv\n")
        defer { project.remove() }
        let whole = try load(project, split: false)
        XCTAssertEqual(whole.clicks.first?.id, "late", "the late row is taken and sorted first")
        assertSame(whole, try load(project, split: true))
    }

    func testCRLFAndATSVFile() throws {
        let text = clicks(rows: 1500).replacingOccurrences(of: "\n", with: "\r\n")
        let tsv = clicks(rows: 1500).replacingOccurrences(of: ",", with: "\t")
        for (name, body) in [("clicks.csv", text), ("clicks.tsv", tsv)] {
            let project = try ScratchProject(files: ["referrers.csv": LoaderTests.referrers, name: body],
                                             ledgers: "  referrers: referrers.csv\n  clicks: \(name)\n")
            defer { project.remove() }
            assertSame(try load(project, split: false), try load(project, split: true))
        }
    }

    /// Rows the fast path must leave to the general one: a `timestamps:` layout, and bytes
    /// outside ASCII in a column the general path validates.
    func testRowsTheFastPathLeavesToTheGeneralPath() throws {
        let clicks = "id,at,referrer,customer,campaign\nc1,2026-04-03 10:00:00+00:00,R1,ann,spring\nc2,2026-03-05T10:00:00Z,R1,bob,spring\n"
        let project = try ScratchProject(files: ["referrers.csv": LoaderTests.referrers, "clicks.csv": clicks],
                                         ledgers: "  referrers: referrers.csv\n  clicks:\n    path: clicks.csv\n    timestamps: \"%Y-%d-%m %H:%M:%S%z\"\n")
        defer { project.remove() }
        let ledgers = try project.load()
        XCTAssertEqual(ledgers.clicks.map(\.at), [Timestamp.parse("2026-03-04T10:00:00Z")!], "the layout reads day before month")
        XCTAssertEqual(ledgers.rejects.map(\.line), [3])

        let bytes = Array("id,at,referrer,customer,campaign\nc1,2026-03-05T10:00:00Z,R1,ann,camp".utf8) + [0xFF, 0xFE] + Array("\nc2,2026-03-05T11:00:00Z,R1,jos\u{E9},x\n".utf8)
        let invalid = try ScratchProject(files: ["referrers.csv": LoaderTests.referrers], ledgers: "  referrers: referrers.csv\n  clicks: clicks.csv\n")
        defer { invalid.remove() }
        try Data(bytes).write(to: invalid.folder.appendingPathComponent("clicks.csv"))
        let loaded = try invalid.load()
        XCTAssertEqual(loaded.rejects.map { "\($0.line) \($0.reason)" }, ["2 the text is not valid UTF-8"])
        XCTAssertEqual(loaded.clicks.map(\.customer), ["jos\u{E9}"])
    }

    /// Customer keys that differ only in Unicode normalisation are one customer, as with
    /// `String` equality.
    func testCustomerKeysKeepStringEquality() throws {
        let clicks = "id,at,referrer,customer\nc1,2026-03-05T10:00:00Z,R1,jos\u{E9}\nc2,2026-03-05T11:00:00Z,R1,jose\u{301}\nc3,2026-03-05T12:00:00Z,R1,ann\nc4,2026-03-05T13:00:00Z,R2,ann\n"
        let project = try ScratchProject(files: ["referrers.csv": LoaderTests.referrers, "clicks.csv": clicks],
                                         ledgers: "  referrers: referrers.csv\n  clicks: clicks.csv\n")
        defer { project.remove() }
        let ledgers = try project.load()
        XCTAssertEqual(ledgers.clicks.customerCount, 2)
        XCTAssertEqual(ledgers.clicks.customerNumber(of: "jos\u{E9}"), ledgers.clicks.customerNumber(0))
        XCTAssertEqual(ledgers.clicks.customerNumber(of: "jose\u{301}"), ledgers.clicks.customerNumber(1))
    }
}
