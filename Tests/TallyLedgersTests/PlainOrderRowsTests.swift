import Foundation
@testable import TallyLedgers
import TallyTestSupport
import TallyValues
import XCTest

/// Plain order lines are read in place and built by the general path's own builder;
/// everything else goes the general way. Whatever an orders file holds, the result must
/// be the general path's: the same orders, rejects (with their reasons and lines) and counts.
final class PlainOrderRowsTests: XCTestCase {
    /// A messy orders file (with renamed columns): one-line and multi-line orders, quoted
    /// fields (with commas, quotes and line breaks), CRLF and blank lines, spaces around
    /// fields, non-ASCII keys, ragged rows, bad timestamps and amounts, unknown and foreign
    /// currencies, cancelled orders, emails as keys, promo code lists, reused and repeated
    /// ids, an empty id or customer, and sometimes no final line break.
    func messyOrders(seed: UInt64) -> String {
        var random = SeededRandom(seed: seed)
        var rows: [String] = []
        var second = 1_767_225_600
        for index in 0..<300 {
            second += Int(random.next() % 600)
            let stamp = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(second)))
            let id = random.next() % 25 == 0 ? "O\(max(0, index - 3))" : "O\(index)"
            let lines = random.next() % 6 == 0 ? 2 + Int(random.next() % 2) : 1
            var base = [id, stamp, "cust\(random.next() % 40)", "\(random.next() % 30_000 / 100).\(random.next() % 90 + 10)", "USD",
                        ["shipped", "pending", "", "voided", "Cancelled"][Int(random.next() % 5)], "1", ["", "SAVE10", "A;B", "a ; A"][Int(random.next() % 4)],
                        ["web", "amazon", ""][Int(random.next() % 3)], "", random.next() % 5 == 0 ? "4.99" : ""]
            switch random.next() % 30 {
            case 0: base[2] = "\"\(base[2])\""
            case 1: base[7] = "\"X,Y\""
            case 2: base[8] = "\"line\nbreak\""
            case 3: base[2] = "jos\u{E9}"
            case 4: base[2] = " \(base[2]) "
            case 5: base[1] = "2026-02-30T00:00:00Z"
            case 6: base[10] = "4.99\u{1F}"
            case 7: base[10] = "\u{1F}extra"
            case 8: base[3] = "12.345"
            case 9: base[0] = ""
            case 10: base[2] = ""
            case 11: base[4] = "EUR"
            case 12: base[4] = "XXX"
            case 13: base[3] = "-5.00"
            case 14: base[2] = "Ann@Example.com"
            case 15: base[1] = "2026-01-05 10:00"
            case 16: base[6] = "x"
            case 17: base[9] = "2026-01-06T00:00:00Z"
            case 18: base[4] = "usd"
            default: break
            }
            for line in 0..<lines {
                var fields = base
                if line > 0 {
                    fields[3] = "\(random.next() % 100).00"
                    if random.next() % 4 == 0 { fields[8] = "other" }
                    if random.next() % 5 == 0 { fields[10] = "1.00" }
                }
                // \u{1F} marks a ragged row: one field too few or too many.
                var row = fields.joined(separator: ",").replacingOccurrences(of: ",4.99\u{1F}", with: "")
                    .replacingOccurrences(of: "\u{1F}", with: ",")
                if random.next() % 11 == 0 { row += "\r" }
                rows.append(row)
            }
            if random.next() % 20 == 0 { rows.append(rows[rows.count - 1]) }
            if random.next() % 37 == 0 { rows.append("") }
        }
        let body = rows.joined(separator: "\n")
        return "order_id,ts,customer,amount,currency,status,qty,promo_code,channel,cancelled_at,shipping\n" + body + (seed % 2 == 0 ? "\n" : "")
    }

    func testPlainLinesGiveWhatTheGeneralPathGives() throws {
        for seed in UInt64(1)...12 {
            let project = try ScratchProject(files: ["orders.csv": messyOrders(seed: seed)], ledgers: """
                  orders:
                    path: orders.csv
                    columns: { order_id: order, ts: at, promo_code: promo_codes }

                """)
            defer { project.remove() }
            let general = try project.load { $0.readsPlainOrderRows = false }, fast = try project.load()
            // Plain lines built the general way too, not read as simple orders.
            let built = try project.load { $0.readsSimpleOrderLines = false }
            XCTAssertEqual(built.orders.map { "\($0)" }, general.orders.map { "\($0)" }, "seed \(seed)")
            func orders(_ ledgers: Ledgers) -> [String] { ledgers.orders.map { "\($0)" } }
            XCTAssertGreaterThan(general.orders.count, 150, "seed \(seed)")
            XCTAssertGreaterThan(general.rejects.count, 15, "seed \(seed)")
            XCTAssertGreaterThan(general.orders.filter { $0.lines.count > 1 }.count, 10, "seed \(seed)")
            XCTAssertEqual(orders(fast), orders(general), "seed \(seed)")
            XCTAssertEqual(fast.rejects.map { "\($0.line) \($0.column) \($0.value) \($0.reason)" },
                           general.rejects.map { "\($0.line) \($0.column) \($0.value) \($0.reason)" }, "seed \(seed)")
            XCTAssertEqual(fast.counts.map { [$0.read, $0.accepted, $0.rejected, $0.duplicates] },
                           general.counts.map { [$0.read, $0.accepted, $0.rejected, $0.duplicates] }, "seed \(seed)")
        }
    }

    /// Orders laid out as the reference kit's (one amount per order, a channel, a status
    /// and a promo code), with a few lines that a simple one-line order cannot take: read
    /// from their bytes or built field by field, the orders and rejects are the same.
    func testSimpleOneLineOrdersAreThoseTheBuilderMakes() throws {
        var random = SeededRandom(seed: 5)
        var rows: [String] = []
        for index in 0..<400 {
            var fields = ["\(10_000 + index)", "2026-01-0\(1 + index / 100)T0\(index % 10):00:00Z", "C\(random.next() % 90)",
                          ["amazon", "shopify", "Web", ""][Int(random.next() % 4)], "\(random.next() % 50_000 / 100).\(random.next() % 90 + 10)",
                          ["USD", "", "USD"][Int(random.next() % 3)], ["pending", "shipped", "Cancelled", "voided", ""][Int(random.next() % 5)],
                          ["", "", "R12", "r-7"][Int(random.next() % 4)], "\(random.next() % 3)"]
            switch random.next() % 25 {
            case 0: fields[4] = "12.345"
            case 1: fields[4] = "-1.00"
            case 2: fields[4] = ""
            case 3: fields[2] = "Someone@Example.com"
            case 4: fields[2] = ""
            case 5: fields[5] = "EUR"
            case 6: fields[7] = "A;B"
            case 7: fields[8] = "x"
            case 8: fields[5] = "usd"
            case 9: fields[4] = "1e3"
            default: break
            }
            rows.append(fields.joined(separator: ","))
        }
        let project = try ScratchProject(files: ["orders.csv": "order_id,ts,customer_id,channel,net_amount,currency,status,promo_code,qty\n"
                                                    + rows.joined(separator: "\n") + "\n"],
                                         ledgers: """
              orders:
                path: orders.csv
                columns: { order_id: order, ts: at, customer_id: customer, net_amount: amount, promo_code: promo_codes }

            """)
        defer { project.remove() }
        let simple = try project.load(), built = try project.load { $0.readsSimpleOrderLines = false }
        let general = try project.load { $0.readsPlainOrderRows = false }
        XCTAssertGreaterThan(simple.orders.count, 250)
        XCTAssertGreaterThan(simple.rejects.count, 20)
        for other in [built, general] {
            XCTAssertEqual(simple.orders.map { "\($0)" }, other.orders.map { "\($0)" })
            XCTAssertEqual(simple.rejects.map { "\($0.line) \($0.column) \($0.value) \($0.reason)" },
                           other.rejects.map { "\($0.line) \($0.column) \($0.value) \($0.reason)" })
        }
    }

    /// The bytes of a whole number of a quantity field: digits only, else left to the builder.
    func testAQuantityReadFromBytesIsDigitsOnly() {
        func read(_ text: String) -> Int64? { Array(text.utf8).withUnsafeBufferPointer { SimpleOrderLine.wholeNumber($0) } }
        XCTAssertEqual(read("0"), 0)
        XCTAssertEqual(read("007"), 7)
        XCTAssertEqual(read("123456789012345678"), 123_456_789_012_345_678)
        XCTAssertNil(read("1234567890123456789"), "more digits than it reads: the builder's")
        XCTAssertNil(read("+5"))
        XCTAssertNil(read("-5"))
        XCTAssertNil(read("1.0"))
        XCTAssertNil(read(""))
    }

    /// A status is kept in lower case and a currency code read in any case, whichever way
    /// the line is read: the program's own code and a lower-case status are taken as
    /// written, anything else is cased as before.
    func testStatusesAndCurrenciesInAnyCase() throws {
        let rows = [("O1", "Shipped", "USD"), ("O2", "PENDING", "usd"), ("O3", "pending", "Usd"), ("O4", "VOIDED", " USD "),
                    ("O5", "\u{C9}mis", "USD"), ("O6", "returned\t", "eur"), ("O7", "", "")]
        let body = rows.enumerated().map { index, row in "\(row.0),2026-01-0\(index + 1)T00:00:00Z,c\(index),10.00,\(row.2),\(row.1)" }
        for plain in [true, false] {
            let project = try ScratchProject(files: ["orders.csv": "order_id,ts,customer,amount,currency,status\n" + body.joined(separator: "\n") + "\n"],
                                             ledgers: """
                  orders:
                    path: orders.csv
                    columns: { order_id: order, ts: at }

                """)
            defer { project.remove() }
            let ledgers = try project.load { $0.readsPlainOrderRows = plain }
            XCTAssertEqual(ledgers.orders.map(\.id), ["O1", "O2", "O3", "O4", "O5", "O7"], "plain \(plain)")
            XCTAssertEqual(ledgers.orders.map(\.status), ["shipped", "pending", "pending", "cancelled", "\u{E9}mis", "shipped"], "plain \(plain)")
            XCTAssertEqual(Set(ledgers.orders.map(\.currency.code)), ["USD"], "plain \(plain)")
            XCTAssertEqual(ledgers.rejects.map { "\($0.line) \($0.column) \($0.value)" }, ["7 currency EUR"], "plain \(plain)")
        }
    }

    /// A plain line's fields are trimmed as the general path trims them: spaces, tabs and
    /// carriage returns around a field go, those inside it stay.
    func testFieldsOfAPlainLineAreTrimmedAsBytes() {
        let line = Array(" O1 ,\t2026-01-01T00:00:00Z\r, a b ,,\u{E9}t\u{E9} ".utf8)
        var delimiters: [Int] = []
        for (index, byte) in line.enumerated() where byte == 44 { delimiters.append(index) }
        let row = line.withUnsafeBufferPointer { text in
            delimiters.withUnsafeBufferPointer { CSVReader.Row(plainLine: text, delimiters: $0, line: 2) }
        }
        XCTAssertEqual((0..<5).map { row.trimmedString($0) }, ["O1", "2026-01-01T00:00:00Z", "a b", "", "\u{E9}t\u{E9}"])
        XCTAssertEqual((0..<5).map { row.trimmedString($0) }, (0..<5).map { row.string($0)?.trimmedSpaces })
        XCTAssertEqual(row.trimmedString(9), "", "a field the line does not have is empty")
        let invalid: [UInt8] = [32, 0xC3, 32]
        let bad = invalid.withUnsafeBufferPointer { text in
            [Int]().withUnsafeBufferPointer { CSVReader.Row(plainLine: text, delimiters: $0, line: 2) }
        }
        XCTAssertNil(bad.trimmedString(0), "bytes that are not UTF-8 are no text")
    }
}
