import Foundation
@testable import TallyLedgers
import TallyTestSupport
import TallyValues
import XCTest

/// Plain click lines are read in place from the reader's buffer; everything else goes
/// the general way. Whatever a file holds, the result must be the general path's: the
/// same clicks, rejects (with their reasons and lines), duplicates and counts.
final class PlainClickRowsTests: XCTestCase {
    func load(_ project: ScratchProject, fast: Bool) throws -> Ledgers {
        try project.load { settings in
            settings.readsPlainClickRows = fast
            settings.splitClicksAbove = Int.max
        }
    }

    /// A messy clicks file: plain rows, quoted fields (with commas, quotes and line
    /// breaks), CRLF and blank lines, spaces around fields, non-ASCII keys, customer keys
    /// of 30 to 35 bytes, ragged rows,
    /// bad timestamps, unknown referrers, duplicates written both ways, a step back in
    /// time, and sometimes no final line break.
    func messyClicks(seed: UInt64) -> String {
        var random = SeededRandom(seed: seed)
        var rows: [String] = []
        var second = 1_767_225_600
        for index in 0..<400 {
            if random.next() % 4 != 0 { second += Int(random.next() % 30) }
            if random.next() % 97 == 0 { second -= 3600 }
            let stamp = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(second)))
            var fields = ["k\(index % 50)", stamp, random.next() % 30 == 0 ? "R9" : "R\(1 + random.next() % 2)",
                          "cust\(random.next() % 20)", ["web", "blog", "", "social"][Int(random.next() % 4)]]
            switch random.next() % 24 {
            case 0: fields[3] = "\"\(fields[3])\""
            case 1: fields[4] = "\"we,b\""
            case 2: fields[4] = "\"line\nbreak\""
            case 3: fields[3] = "jos\u{E9}"
            case 4: fields[3] = " \(fields[3])"
            case 5: fields[1] = "2026-02-30T00:00:00Z"
            case 6: fields.removeLast()
            case 7: fields.append("extra")
            case 8: fields[4] = "say \"\"hi\"\""
            case 9: fields[0] = ""
            case 10: fields[2] = ""
            case 11: fields[4] = "\"a\"\"b\""
            // Keys about as long as the longest numbered a row later (`AwaitingCustomer`).
            case 12: fields[3] = "customer-" + String(repeating: "x", count: 20 + Int(random.next() % 6)) + "\(random.next() % 3)"
            default: break
            }
            var row = fields.joined(separator: ",")
            if random.next() % 11 == 0 { row += "\r" }
            rows.append(row)
            if random.next() % 9 == 0 { rows.append(row) }
            if random.next() % 13 == 0 { rows.append(row.replacingOccurrences(of: ",R1,", with: ",\"R1\",")) }
            if random.next() % 37 == 0 { rows.append("") }
        }
        let body = rows.joined(separator: "\n")
        return "id,at,referrer,customer,channel\n" + body + (seed % 2 == 0 ? "\n" : "")
    }

    func testPlainLinesGiveWhatTheGeneralPathGives() throws {
        for seed in UInt64(1)...12 {
            let project = try ScratchProject(files: ["referrers.csv": LoaderTests.referrers, "clicks.csv": messyClicks(seed: seed)],
                                             ledgers: "  referrers: referrers.csv\n  clicks: clicks.csv\n")
            defer { project.remove() }
            let general = try load(project, fast: false), fast = try load(project, fast: true)
            func clicks(_ ledgers: Ledgers) -> [String] {
                ledgers.clicks.map { "\($0.id) \($0.at.secondsSinceEpoch) \($0.referrer) \($0.customer) \($0.channel) \($0.source.line)" }
            }
            XCTAssertGreaterThan(general.clicks.count, 200, "seed \(seed)")
            XCTAssertGreaterThan(general.rejects.count, 20, "seed \(seed)")
            XCTAssertEqual(clicks(fast), clicks(general), "seed \(seed)")
            XCTAssertEqual(fast.rejects.map { "\($0.line) \($0.column) \($0.value) \($0.reason)" },
                           general.rejects.map { "\($0.line) \($0.column) \($0.value) \($0.reason)" }, "seed \(seed)")
            XCTAssertEqual(fast.counts.map { [$0.read, $0.accepted, $0.rejected, $0.duplicates] },
                           general.counts.map { [$0.read, $0.accepted, $0.rejected, $0.duplicates] }, "seed \(seed)")
        }
    }

    /// Within one timestamp, a plain line is compared with the earlier ones byte by byte
    /// while they are few and by hash first beyond (`DuplicateFilter.rowsCompared`): either
    /// way it is a duplicate exactly when an earlier line of its timestamp is the same,
    /// with lines that differ in their last byte only, groups of every size up to twelve
    /// and the same line again in the next second.
    func testDuplicatesWithinATimestampAreFoundHoweverManyRowsItHas() {
        var filter = DuplicateFilter(delimiter: 44)
        var random = SystemRandomNumberGenerator()
        for second in 0..<200 {
            let at = Array("2026-03-01T10:00:\(second % 60 < 10 ? "0" : "")\(second % 60)Z".utf8)
            let size = 1 + second % 12
            var earlier: [String: Int] = [:]
            for row in 0..<size * 2 {
                // Lines alike up to their last byte; about one in three repeats one before it.
                let line = "7,2026-03-01T10:00:00Z,R1,a@x.com,\(Character(UnicodeScalar(UInt8(97 + Int(random.next() % UInt64(size))))))"
                let bytes = Array(line.utf8)
                let delimiters = bytes.indices.filter { bytes[$0] == 44 }
                let found = bytes.withUnsafeBufferPointer { text in
                    at.withUnsafeBufferPointer { at in delimiters.withUnsafeBufferPointer { filter.check(line: text, delimiters: $0, line: row, at: at) } }
                }
                XCTAssertEqual(found, earlier[line], "second \(second), row \(row)")
                if earlier[line] == nil { earlier[line] = row }
            }
            if second % 60 == 59 { filter = DuplicateFilter(delimiter: 44) }  // the clock starts over: a new file
        }
    }
}
