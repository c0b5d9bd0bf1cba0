import Foundation
@testable import TallyLedgers
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
    /// their width: no field, one, a few, more than a batch of delimiters (64), empty
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
