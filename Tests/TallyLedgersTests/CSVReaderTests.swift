import Foundation
@testable import TallyLedgers
import TallySource
import TallyTestSupport
import XCTest

/// RFC 4180 edge cases and malformed files, each with its position and reason.
final class CSVReaderTests: XCTestCase {
    private func write(_ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("csv-\(UUID().uuidString).csv").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    private func rows(_ text: String, delimiter: UInt8 = 44) throws -> [(Int, [String], String?)] {
        try rows(Array(text.utf8), delimiter: delimiter)
    }

    private func rows(_ bytes: [UInt8], delimiter: UInt8 = 44) throws -> [(Int, [String], String?)] {
        var reader = try XCTUnwrap(CSVReader(path: try write(bytes), delimiter: delimiter))
        var row = CSVReader.Row(line: 0)
        var out: [(Int, [String], String?)] = []
        while reader.next(into: &row) {
            out.append((row.line, (0..<row.count).map { row.string($0) ?? "<invalid>" }, row.problem?.reason))
        }
        return out
    }

    func testQuotedFieldsWithCommasQuotesAndNewlines() throws {
        let parsed = try rows("a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\nplain,,end\n")
        XCTAssertEqual(parsed.map(\.1), [["a", "b", "c"], ["x, y", "say \"hi\"", "two\nlines"], ["plain", "", "end"]])
        XCTAssertEqual(parsed.map(\.0), [1, 2, 4], "a row's line is where it starts, after embedded newlines")
        XCTAssertTrue(parsed.allSatisfy { $0.2 == nil })
    }

    func testCRLFAndByteOrderMarkAndNoFinalNewline() throws {
        let parsed = try rows([0xEF, 0xBB, 0xBF] + Array("id,at\r\n1,2026-01-01\r\n\r\n2,\"q\r\nr\"".utf8))
        XCTAssertEqual(parsed.map(\.1), [["id", "at"], ["1", "2026-01-01"], ["2", "q\r\nr"]])
        XCTAssertEqual(parsed.map(\.0), [1, 2, 4])
    }

    func testTabSeparated() throws {
        let parsed = try rows("amazon-order-id\tsku\n111-1\tTENT-2P\n", delimiter: 9)
        XCTAssertEqual(parsed.map(\.1), [["amazon-order-id", "sku"], ["111-1", "TENT-2P"]])
    }

    func testUnterminatedQuoteIsReportedWithTheLineItOpened() throws {
        let parsed = try rows("a,b\n1,\"never closed\n2,3\n")
        XCTAssertEqual(parsed.count, 2)
        XCTAssertEqual(parsed[1].0, 2)
        XCTAssertEqual(parsed[1].2, "a quoted field opened on line 2 is never closed")
    }

    func testStrayQuotes() throws {
        XCTAssertEqual(try rows("a,b\n1,ab\"c\n")[1].2, "a quote inside a field that does not start with a quote")
        XCTAssertEqual(try rows("a,b\n1,\"ab\"c\n")[1].2, "text after the closing quote of a quoted field")
    }

    func testInvalidUTF8StaysVisible() throws {
        let parsed = try rows(Array("a,b\n1,".utf8) + [0xC3, 0x28] + Array("\n".utf8))
        XCTAssertEqual(parsed[1].1, ["1", "<invalid>"])
    }

    /// Plain lines read in place give the fields the general reader gives, whatever
    /// their width: no field, one, a few, more than the room the scan starts with (128), empty
    /// fields, non-ASCII bytes, CRLF, blank lines.
    func testPlainLinesSplitAsTheGeneralReaderDoes() throws {
        var lines = ["", "a", "a,b", ",,", "é,ü,x", "a,b\r", String(repeating: "x,", count: 150) + "end",
                     (0..<200).map { String(repeating: "y", count: $0 % 13) }.joined(separator: ",")]
        lines.insert("", at: 3)
        let text = lines.joined(separator: "\n") + "\n"
        let path = try write(Array(text.utf8))
        var general = try XCTUnwrap(CSVReader(path: path, delimiter: 44)), plain = try XCTUnwrap(CSVReader(path: path, delimiter: 44))
        var row = CSVReader.Row(line: 0)
        var delimiters: [Int] = []
        while let fields = plain.nextPlainLine(delimiters: &delimiters, { text, delimiters, line, isASCII -> (Int, [String], Bool) in
            let row = CSVReader.Row(plainLine: text, delimiters: delimiters, line: line)
            return (line, (0..<row.count).map { row.string($0) ?? "<invalid>" }, isASCII)
        }) {
            XCTAssertTrue(general.next(into: &row))
            XCTAssertEqual(fields.0, row.line)
            XCTAssertEqual(fields.1, (0..<row.count).map { row.string($0) ?? "<invalid>" }, "line \(row.line)")
            XCTAssertEqual(fields.2, fields.1.allSatisfy { $0.utf8.allSatisfy { $0 < 128 } }, "line \(row.line)")
        }
        XCTAssertFalse(general.next(into: &row), "every line was read in place")
    }

    func testChunkBoundariesDoNotSplitRows() throws {
        // Rows longer than nothing special, spread over several 1 MiB chunks.
        var text = "id,note\n"
        for index in 0..<40_000 { text += "\(index),\"quoted, \"\"\(index)\"\" with a\nnewline\"\n" }
        let parsed = try rows(text)
        XCTAssertEqual(parsed.count, 40_001)
        XCTAssertEqual(parsed.last?.1, ["39999", "quoted, \"39999\" with a\nnewline"])
        XCTAssertEqual(parsed.last?.0, 1 + 39_999 * 2 + 1)
    }
}

/// Files read into reused buffers: whole chunks until the end, from a position or from
/// an offset, and a clear nil (not a crash or silent zero) when the file cannot be read.
final class FileBytesTests: XCTestCase {
    func testReadsChunksFromThePositionOrAnOffset() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tally-filebytes-\(UUID().uuidString)").path
        let bytes = (0..<3_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let descriptor = open(path, O_RDONLY)
        XCTAssertGreaterThanOrEqual(descriptor, 0)
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 1_000)
        var read: [UInt8] = []
        var counts: [Int?] = []
        for _ in 0..<4 {
            let count = buffer.withUnsafeMutableBytes { FileBytes.read(descriptor, into: $0.baseAddress!, count: 1_000) }
            counts.append(count)
            read += buffer[..<(count ?? 0)]
        }
        XCTAssertEqual(counts, [1_000, 1_000, 1_000, 0])
        XCTAssertEqual(read, bytes)
        let tail = buffer.withUnsafeMutableBytes { FileBytes.read(descriptor, into: $0.baseAddress!, count: 1_000, at: 2_500) }
        XCTAssertEqual(tail, 500)
        XCTAssertEqual(Array(buffer[..<500]), Array(bytes[2_500...]))
        XCTAssertNil(buffer.withUnsafeMutableBytes { FileBytes.read(-1, into: $0.baseAddress!, count: 10) })
    }
}

/// A read that fails part-way through a ledger, or a part of a file that ends early,
/// stops the rows with the reason and the last line read: the rows before it stand, and
/// the loader reports it (such rows used to go missing without a word).
final class ReadProblemTests: XCTestCase {
    private func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("read-\(UUID().uuidString).csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// Reads of at most `size` bytes, the system's, until the `failing`th read fails (EIO).
    final class FailingReads: @unchecked Sendable {
        var calls = 0
        let failing: Int, size: Int
        init(failing: Int, size: Int) {
            self.failing = failing
            self.size = size
        }
        func read(_ descriptor: Int32, _ into: UnsafeMutableRawPointer, _ count: Int) -> Int {
            calls += 1
            if calls >= failing {
                errno = EIO
                return -1
            }
            return Foundation.read(descriptor, into, min(count, size))
        }
    }

    func testACSVReadErrorStopsTheRowsWithItsLine() throws {
        let path = try write("id,at\n1,a\n2,b\n3,c\n4,d\n")
        var reader = try XCTUnwrap(CSVReader(path: path))
        let reads = FailingReads(failing: 3, size: 10)
        reader.readBytes = { descriptor, into, count in
            let got = reads.read(descriptor, into, count)
            return got < 0 ? nil : got
        }
        var row = CSVReader.Row(line: 0), lines: [Int] = [], problems: [String?] = []
        while reader.next(into: &row) {
            lines.append(row.line)
            problems.append(row.problem?.reason)
        }
        // 20 bytes were read: the header, three rows whole and "4," of the fourth, which
        // comes back refused (a value cut short could pass for another).
        XCTAssertEqual(lines, [1, 2, 3, 4, 5])
        XCTAssertEqual(problems, [nil, nil, nil, nil, "the line is cut short: reading the file stopped in it"])
        XCTAssertEqual(reader.readProblem, "reading stopped at line 5: Input/output error")
        var whole = try XCTUnwrap(CSVReader(path: path))
        while whole.next(into: &row) {}
        XCTAssertNil(whole.readProblem, "no problem when the file is read to its end")
    }

    func testAPartThatEndsEarlyIsAProblem() throws {
        let text = "id,at\n1,a\n2,b\n"
        let path = try write(text)
        var part = try XCTUnwrap(CSVReader(path: path, delimiter: 44, range: 6..<(text.utf8.count + 7), line: 2))
        var row = CSVReader.Row(line: 0), lines: [Int] = []
        while part.next(into: &row) { lines.append(row.line) }
        XCTAssertEqual(lines, [2, 3])
        XCTAssertEqual(part.readProblem, "the file ended 7 bytes before the part being read did (it changed while it was read), at line 4")
        var exact = try XCTUnwrap(CSVReader(path: path, delimiter: 44, range: 6..<text.utf8.count, line: 2))
        while exact.next(into: &row) {}
        XCTAssertNil(exact.readProblem)
    }

    func testAJSONLinesReadErrorStopsTheRowsWithItsLine() throws {
        let path = try write("{\"id\":\"1\"}\n{\"id\":\"2\"}\n{\"id\":\"3\"}\n")
        let reads = FailingReads(failing: 3, size: 11)
        let lines = try XCTUnwrap(LedgerLines(path: path, blockSize: 64, readBytes: reads.read))
        var reader = JSONLReader(lines: lines)
        var ids: [String] = []
        while let (_, fields, _) = reader.next() { ids.append(fields["id"] ?? "?") }
        XCTAssertEqual(ids, ["1", "2"])
        XCTAssertEqual(reader.readProblem, "reading stopped at line 3: Input/output error")
        XCTAssertEqual(lines.problem, "Input/output error")
        // Stopped inside the second line: it is refused, not read as it stands.
        let cut = try XCTUnwrap(LedgerLines(path: path, blockSize: 64, readBytes: FailingReads(failing: 3, size: 8).read))
        var cutReader = JSONLReader(lines: cut)
        var rows: [String] = []
        while let (line, fields, problem) = cutReader.next() { rows.append("\(line) \(fields["id"] ?? "-") \(problem ?? "")") }
        XCTAssertEqual(rows, ["1 1 ", "2 - the line is cut short: reading the file stopped in it"])
        XCTAssertEqual(cutReader.readProblem, "reading stopped at line 2: Input/output error")
    }

    /// A piece of a clicks file that could not be read to its end (the file changed while
    /// it was read), or not at all, makes the loader read the file again whole: the pieces
    /// are not joined, and the whole read says what is wrong with the file as it is.
    func testAPartThatCouldNotBeReadHasTheFileReadWhole() throws {
        let clicks = "id,at,referrer,customer\n1,2026-03-01T10:00:00Z,R1,a\n2,2026-03-01T11:00:00Z,R2,b\n"
        let project = try ScratchProject(files: ["referrers.csv": LoaderTests.referrers, "clicks.csv": clicks],
                                         ledgers: "  referrers: referrers.csv\n  clicks: clicks.csv\n")
        defer { project.remove() }
        let file = try XCTUnwrap(ProjectFile.load(project.folder.appendingPathComponent("tally.yaml").path).0)
        var loader = LedgerLoader(settings: project.settings, project: file)
        loader.ledgers.files = file.ledgers.map { loader.display($0.path) }
        loader.ledgers.counts = file.ledgers.map { LedgerCount(file: loader.display($0.path), kind: $0.kind) }
        loader.load(.referrers)
        let base = loader
        let source = try XCTUnwrap(file.ledgers.first { $0.kind == .clicks })
        let header = "id,at,referrer,customer\n".utf8.count
        // Read whole, a piece gives the line after it.
        var clean = base
        XCTAssertEqual(clean.loadClicks(source, file: 1, range: header..<clicks.utf8.count, line: 2, rows: 4), 4)
        XCTAssertFalse(clean.clickPieceUnread)
        // As if the file had been cut when it was longer: its part runs past its end.
        XCTAssertNil(loader.loadClicks(source, file: 1, range: header..<(clicks.utf8.count + 40), line: 2, rows: 4))
        XCTAssertTrue(loader.clickPieceUnread)
        XCTAssertEqual(loader.ledgers.fileProblems.map(\.message), [], "the whole read reports the file's problems")
        var front = LedgerLoader(settings: project.settings, project: file)
        front.ledgers = base.ledgers
        XCTAssertFalse(front.join(loader, pieces: [LedgerLoader.EndPiece(clicks: 0..<loader.ledgers.clicks.count, rejects: 0..<0, lineEnds: 2)],
                                  from: 2, file: 1, rejectsBefore: base.ledgers.rejects.count, problemsBefore: base.ledgers.fileProblems.count),
                       "a piece that could not be read is not joined: the file is read again whole")
        // Read otherwise, a table whose reading stops early is reported as an error on the
        // ledger's line of tally.yaml, and the rows read before it stand.
        var reported = base
        let short = try XCTUnwrap(reported.table(source).reading(path: source.path, delimiter: 44, range: header..<(clicks.utf8.count + 40), line: 2))
        reported.loadRows(of: short, source: source, file: 1)
        XCTAssertEqual(reported.ledgers.clicks.map(\.id), ["1", "2"])
        XCTAssertEqual(reported.ledgers.fileProblems.map(\.message), [
            "clicks ledger `clicks.csv`: the file ended 40 bytes before the part being read did (it changed while it was read), at line 4; the rows from there on are not in this run",
        ])
        XCTAssertEqual(reported.ledgers.fileProblems.first?.code, "ledger.read")
        // A part of a file that is gone.
        var gone = base
        try FileManager.default.removeItem(at: project.folder.appendingPathComponent("clicks.csv"))
        XCTAssertNil(gone.loadClicks(source, file: 1, range: header..<clicks.utf8.count, line: 2, rows: 2))
        XCTAssertTrue(gone.clickPieceUnread)
    }
}
