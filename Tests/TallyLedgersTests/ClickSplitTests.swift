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
            // A bad timestamp that still sorts between its neighbours (`…30ZZ` before
            // `…31Z`): one out of time order (`2026-02-30…` among January's) would make the
            // loader read the file whole, and the pieces would never be joined.
            let badAt = random.next() % 40 == 0
            var row = "c\(index),\(badAt ? stamp + "Z" : stamp),\(referrer),cust\(random.next() % 97),web"
            if random.next() % 60 == 0 { row = "c\(index),\(stamp),R1,,  web " }
            lines.append(row)
            if random.next() % 25 == 0 { lines.append(row) }  // an exact duplicate
            if badAt { second += 1 }
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
        // The pieces follow each other from the header's end to the file's; the rows they
        // hold, estimated from the file's start, size the click table before the first is
        // read (here the whole file is that start: room for every row).
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        let lineEnds = bytes.filter { $0 == 10 }.count
        XCTAssertEqual(cut.pieces.first?.lowerBound, "id,at,referrer,customer,channel\n".utf8.count)
        XCTAssertEqual(cut.pieces.last?.upperBound, bytes.count)
        for (piece, next) in zip(cut.pieces, cut.pieces.dropFirst()) {
            XCTAssertEqual(next.lowerBound, piece.upperBound)
            XCTAssertEqual(bytes[next.lowerBound - 1], 10, "a piece starts at a line's start")
            // Never between two rows of the same second (exact duplicates stay in one piece).
            let before = String(decoding: bytes[..<(next.lowerBound - 1)].split(separator: 10).last!, as: UTF8.self)
            let after = String(decoding: bytes[next.lowerBound...].split(separator: 10).first!, as: UTF8.self)
            XCTAssertNotEqual(before.split(separator: ",")[1], after.split(separator: ",")[1])
        }
        XCTAssertGreaterThanOrEqual(cut.estimatedRows, lineEnds - 1)
        let whole = try load(project, split: false)
        XCTAssertGreaterThan(whole.rejects.count, 50)
        XCTAssertGreaterThan(whole.counts[1].duplicates, 50)
        // Which core reads which pieces varies from run to run: the result may not.
        for _ in 0..<3 { assertSame(whole, try load(project, split: true)) }
    }

    /// A quote could hide a line end inside a field, wherever the file was cut: a file with
    /// one near its start is not cut, one with a quote further on is read again whole.
    func testAFileWithAQuoteIsReadWhole() throws {
        var random = SeededRandom(seed: 11)
        var text = "id,at,referrer,customer,channel\n"
        var second = 1_767_225_600
        // Some 1.5 MB: the quote beyond the first megabyte, which finding the cuts looks at.
        for index in 0..<40_000 {
            second += Int(random.next() % 3)
            let at = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(second)))
            let channel = index == 35_000 ? "\"web\nand mail\"" : "web"
            text += "c\(index),\(at),R\(1 + random.next() % 2),cust\(random.next() % 97),\(channel)\n"
            if random.next() % 50 == 0 { text += "c\(index),\(at),R9,cust1,web\n" }
        }
        let late = try ScratchProject(files: ["referrers.csv": LoaderTests.referrers, "clicks.csv": text],
                                      ledgers: "  referrers: referrers.csv\n  clicks: clicks.csv\n")
        defer { late.remove() }
        let path = late.folder.appendingPathComponent("clicks.csv").path
        let cut = try XCTUnwrap(ClickSplit.find(path: path, delimiter: 44, atColumn: 1, minimumSize: 0), "the file is cut: its start has no quote")
        // The piece holding the quote is not taken as a piece.
        let file = try XCTUnwrap(ProjectFile.load(late.folder.appendingPathComponent("tally.yaml").path).0)
        var loader = LedgerLoader(settings: late.settings, project: file)
        loader.ledgers.files = file.ledgers.map { loader.display($0.path) }
        loader.ledgers.counts = file.ledgers.map { LedgerCount(file: loader.display($0.path), kind: $0.kind) }
        loader.load(.referrers)
        let source = try XCTUnwrap(file.ledgers.first { $0.kind == .clicks })
        let quoted = try XCTUnwrap(text.utf8.firstIndex(of: 34).map { text.utf8.distance(from: text.utf8.startIndex, to: $0) })
        let piece = try XCTUnwrap(cut.pieces.first { $0.contains(quoted) })
        XCTAssertNil(loader.loadClicks(source, file: 1, range: piece, line: 2, rows: cut.estimatedRows))
        XCTAssertTrue(loader.clickPieceUnread)
        let whole = try load(late, split: false)
        XCTAssertEqual(whole.clicks.first { $0.id == "c35000" }?.channel, "web\nand mail")
        for _ in 0..<3 { assertSame(whole, try load(late, split: true)) }

        let early = try ScratchProject(files: ["referrers.csv": LoaderTests.referrers,
                                               "clicks.csv": text.replacingOccurrences(of: "c3,", with: "\"c3\",")],
                                       ledgers: "  referrers: referrers.csv\n  clicks: clicks.csv\n")
        defer { early.remove() }
        XCTAssertNil(ClickSplit.find(path: early.folder.appendingPathComponent("clicks.csv").path, delimiter: 44, atColumn: 1, minimumSize: 0))
    }

    /// The pieces read from the end are numbered as if each started the file, and
    /// renumbered when joined: lines, rejects and the lines duplicates name come out as
    /// in a whole read, whichever pieces each core took.
    func testPiecesReadFromTheEndAreRenumberedWhenJoined() throws {
        let project = try ScratchProject(files: ["referrers.csv": LoaderTests.referrers, "clicks.csv": clicks(rows: 3000)],
                                         ledgers: "  referrers: referrers.csv\n  clicks: clicks.csv\n")
        defer { project.remove() }
        let whole = try load(project, split: false)
        let file = try XCTUnwrap(ProjectFile.load(project.folder.appendingPathComponent("tally.yaml").path).0)
        let source = try XCTUnwrap(file.ledgers.first { $0.kind == .clicks })
        let cut = try XCTUnwrap(ClickSplit.find(path: source.path, delimiter: 44, atColumn: 1, minimumSize: 0, pieces: 8))
        for front in [1, 3, cut.pieces.count - 1] {
            var base = LedgerLoader(settings: project.settings, project: file)
            base.ledgers.files = file.ledgers.map { base.display($0.path) }
            base.ledgers.counts = file.ledgers.map { LedgerCount(file: base.display($0.path), kind: $0.kind) }
            base.load(.referrers)
            var first = base, second = base
            var line = ClickSplit.firstLine
            for piece in 0..<front {
                line = try XCTUnwrap(first.loadClicks(source, file: 1, range: cut.pieces[piece], line: line, rows: cut.estimatedRows))
            }
            var pieces: [LedgerLoader.EndPiece] = []
            for piece in (front..<cut.pieces.count).reversed() {
                let before = second.ledgers.clicks.count, rejectsBefore = second.ledgers.rejects.count
                let next = try XCTUnwrap(second.loadClicks(source, file: 1, range: cut.pieces[piece], line: ClickSplit.firstLine, rows: cut.estimatedRows))
                pieces.insert(LedgerLoader.EndPiece(clicks: before..<second.ledgers.clicks.count, rejects: rejectsBefore..<second.ledgers.rejects.count,
                                                    lineEnds: next - ClickSplit.firstLine), at: 0)
            }
            XCTAssertTrue(first.join(second, pieces: pieces, from: line, file: 1, rejectsBefore: base.ledgers.rejects.count,
                                     problemsBefore: base.ledgers.fileProblems.count))
            var joined = first.ledgers
            joined.rejects.sort { $0.line < $1.line }
            XCTAssertGreaterThan(joined.rejects.filter { $0.reason.hasPrefix("exact duplicate") }.count, 10)
            assertSame(whole, joined)
        }
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
