import Foundation
import TallyLedgers
import TallySource
import TallyValues
import XCTest

/// A project in a temporary folder, built from file texts, loaded like `tally run` does.
struct ScratchProject {
    let folder: URL

    init(files: [String: String], ledgers yaml: String) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-ledgers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "program \"p\"\ncurrency USD\ntimezone \"America/New_York\"\n".write(to: folder.appendingPathComponent("p.tally"), atomically: true, encoding: .utf8)
        for (name, text) in files {
            try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        try ("program: p.tally\noutput: out\nledgers:\n" + yaml).write(to: folder.appendingPathComponent("tally.yaml"), atomically: true, encoding: .utf8)
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }

    var settings: LoadSettings {
        LoadSettings(currency: Currency(code: "USD")!, clock: ProgramClock(identifier: "America/New_York")!,
                     referrerExtras: [("followers", "number"), ("vetted_at", "timestamp")])
    }

    /// Loads the project, with `adjust` changing the settings first.
    func load(adjusting adjust: (inout LoadSettings) -> Void = { _ in }) throws -> Ledgers {
        let (project, diagnostics) = ProjectFile.load(folder.appendingPathComponent("tally.yaml").path)
        XCTAssertEqual(diagnostics.map(\.message), [])
        var settings = self.settings
        adjust(&settings)
        return LedgerLoader.load(try XCTUnwrap(project), settings: settings)
    }
}

final class LoaderTests: XCTestCase {
    static let referrers = "id,name,kind,tier,email,status,joined,followers,vetted_at\nR1,Tom,influencer,gold,tom@x.com,active,2025-01-01,1200,2025-01-02T00:00:00Z\nR2,Ann,affiliate,silver,,,,,\n"

    func assertAccounted(_ ledgers: Ledgers, file: StaticString = #filePath, line: UInt = #line) {
        for count in ledgers.counts {
            XCTAssertEqual(count.read, count.accepted + count.rejected, "\(count.file): rows do not add up", file: file, line: line)
        }
        XCTAssertEqual(ledgers.rejects.count, ledgers.counts.reduce(0) { $0 + $1.rejected }, file: file, line: line)
    }

    /// A field with a comma, a quote or a line break is quoted in rejects.csv and
    /// statements.csv, a carriage return and line feed together too.
    func testFieldsThatNeedQuotesGetThem() {
        XCTAssertEqual(RejectsFile.quote("plain text"), "plain text")
        XCTAssertEqual(RejectsFile.quote("jos\u{E9} caf\u{E9}"), "jos\u{E9} caf\u{E9}")
        XCTAssertEqual(RejectsFile.quote("a,b"), "\"a,b\"")
        XCTAssertEqual(RejectsFile.quote("say \"hi\""), "\"say \"\"hi\"\"\"")
        XCTAssertEqual(RejectsFile.quote("one\ntwo"), "\"one\ntwo\"")
        XCTAssertEqual(RejectsFile.quote("one\rtwo"), "\"one\rtwo\"")
        XCTAssertEqual(RejectsFile.quote("one\r\ntwo"), "\"one\r\ntwo\"")
    }

    func testEveryRejectReasonHasItsPosition() throws {
        let project = try ScratchProject(files: [
            "referrers.csv": Self.referrers,
            "clicks.csv": """
                id,at,referrer,customer,ip
                1,2026-03-01T10:00:00Z,R1,a@x.com,1.1.1.1
                2,yesterday,R1,a@x.com,1.1.1.1
                3,2026-03-01T10:05:00Z,R9,a@x.com,1.1.1.1
                4,2026-03-01T10:06:00Z,R2,b@x.com,1.1.1.1
                4,2026-03-01T10:06:00Z,R2,b@x.com,1.1.1.1
                5,2026-03-01T10:07:00Z,R2,b@x.com

                """,
            "orders.csv": """
                order,at,customer,currency,sku,qty,price,shipping
                A1,2026-03-02T10:00:00-05:00,a@x.com,USD,TENT-2P,1,199.00,10.00
                A1,2026-03-02T10:00:00-05:00,a@x.com,USD,STOVE-1,2,25.50,10.00
                A2,2026-03-02 11:00,b@x.com,USX,TENT-2P,1,199.00,
                A3,2026-03-03T10:00:00Z,c@x.com,USD,TENT-2P,-1,199.00,
                A3,2026-03-03T10:00:00Z,c@x.com,USD,TENT-4P,1,299.00,
                A1,2026-03-02T10:00:00-05:00,a@x.com,USD,TENT-2P,1,199.00,10.00
                A1,2026-03-02T10:00:00-05:00,a@x.com,USD,STOVE-1,2,25.50,10.00
                A4,2026-03-04T09:00:00Z,d@x.com,,TENT-2P,1,199.001,

                """,
            "refunds.csv": "id,order,at,amount\nF1,A1,2026-03-05T10:00:00Z,20.00\nF2,ZZ,2026-03-05T10:00:00Z,5.00\n",
        ], ledgers: "  referrers: referrers.csv\n  clicks: clicks.csv\n  orders: orders.csv\n  refunds: refunds.csv\n")
        defer { project.remove() }
        let ledgers = try project.load()
        assertAccounted(ledgers)
        XCTAssertEqual(RejectsFile.render(ledgers.rejects), """
            file,line,column,value,reason
            clicks.csv,3,at,yesterday,`yesterday` is not a timestamp (expected ISO-8601 such as 2026-03-14T18:22:05Z)
            clicks.csv,4,referrer,R9,unknown referrer `R9` (not in the referrers ledger)
            clicks.csv,6,,,"exact duplicate of line 5, skipped"
            clicks.csv,7,,,"the row has 4 fields, the header has 5"
            orders.csv,4,currency,USX,unknown currency `USX` (not an ISO 4217 code)
            orders.csv,5,qty,-1,negative quantity -1
            orders.csv,6,,,rejected with order `A3`: line 5 negative quantity -1
            orders.csv,7,,,"exact duplicate of order `A1` on line 2 of orders.csv, skipped"
            orders.csv,8,,,"exact duplicate of order `A1` on line 2 of orders.csv, skipped"
            orders.csv,9,price,199.001,`199.001` has more decimal places than USD allows (2)
            refunds.csv,3,order,ZZ,refund for an unknown order `ZZ`

            """)
        XCTAssertEqual(ledgers.orders.map(\.id), ["A1"])
        let order = ledgers.orders[0]
        XCTAssertEqual(order.net, 199_00 + 51_00)
        XCTAssertEqual(order.shipping, 10_00, "order-level shipping repeated on lines counts once")
        XCTAssertEqual(order.at, Timestamp.parse("2026-03-02T15:00:00Z"))
        XCTAssertEqual(ledgers.clicks.map(\.id), ["1", "4"])
        XCTAssertEqual(ledgers.refunds.map(\.amount), [20_00])
        XCTAssertEqual(ledgers.referrers[0].extras, [.number(ExactDecimal("1200")!), .timestamp(Timestamp.parse("2025-01-02T00:00:00Z")!)])
        XCTAssertEqual(ledgers.referrers[1].status, "active")
        XCTAssertEqual(ledgers.counts.map(\.duplicates), [0, 1, 2, 0])
    }

    /// Plain lines are read in place and kept as lines; quoted or non-ASCII rows go the
    /// general way and are kept as fields. A duplicate is found whichever way each came,
    /// also after the file goes back in time; rows that only look alike are kept.
    func testExactDuplicatesAreFoundWhicheverWayARowWasRead() throws {
        let clicks = [
            "id,at,referrer,customer,ip",
            "1,2026-03-01T10:00:00Z,R1,a@x.com,1.1.1.1",
            "1,2026-03-01T10:00:00Z,\"R1\",a@x.com,1.1.1.1",
            "2,2026-03-01T10:00:00Z,R1,\"a@x.com,1.1.1.1\",",
            "2,2026-03-01T10:00:00Z,R1,a@x.com,1.1.1.1",
            "3,2026-03-01T10:00:00Z,R1,a@x.com,1.1.1.1",
            "3,2026-03-01T10:00:00Z,R1,a@x.com,1.1.1.1",
            "4,2026-03-01T11:00:00Z,R2,\u{E9}@x.com,",
            "4,2026-03-01T11:00:00Z,R2,\u{E9}@x.com,",
            "5,2026-03-01T09:00:00Z,R2,b@x.com,",
            "5,2026-03-01T09:00:00Z,R2,\"b@x.com\",",
        ].joined(separator: "\n") + "\n"
        let project = try ScratchProject(files: ["referrers.csv": Self.referrers, "clicks.csv": clicks],
                                         ledgers: "  referrers: referrers.csv\n  clicks: clicks.csv\n")
        defer { project.remove() }
        let ledgers = try project.load()
        assertAccounted(ledgers)
        XCTAssertEqual(ledgers.rejects.map { "\($0.line): \($0.reason)" }, [
            "3: exact duplicate of line 2, skipped",
            "7: exact duplicate of line 6, skipped",
            "9: exact duplicate of line 8, skipped",
            "11: exact duplicate of line 10, skipped",
        ])
        XCTAssertEqual(ledgers.clicks.map(\.id), ["5", "1", "2", "2", "3", "4"])
        XCTAssertEqual(ledgers.counts[1].duplicates, 4)
    }

    /// The ledgers of a project whose clicks are `jsonLines` (and `referrers`), every row
    /// accounted for.
    func loadClicks(jsonLines: String, file: StaticString = #filePath, line: UInt = #line) throws -> Ledgers {
        let project = try ScratchProject(files: ["referrers.csv": Self.referrers, "clicks.jsonl": jsonLines],
                                         ledgers: "  referrers: referrers.csv\n  clicks: clicks.jsonl\n")
        defer { project.remove() }
        let ledgers = try project.load()
        assertAccounted(ledgers, file: file, line: line)
        return ledgers
    }

    /// A JSON Lines ledger is read a line at a time: a byte order mark before the first
    /// line, blank lines, a bad row (rejected with its line) and a last line without its
    /// line end; every row is accounted for.
    func testJSONLinesAreReadWithTheirLineNumbers() throws {
        let clicks = "\u{FEFF}{\"id\":\"1\",\"at\":\"2026-03-01T10:00:00Z\",\"referrer\":\"R1\",\"customer\":\"a@x.com\"}\n"
            + "\n  \r\n"
            + "{\"id\":\"2\",\"at\":\"not a time\",\"referrer\":\"R1\",\"customer\":\"b@x.com\"}\n"
            + "{\"id\":\"3\",\"at\":\"2026-03-01T11:00:00Z\",\"referrer\":\"R2\",\"customer\":\"c@x.com\"}"
        let ledgers = try loadClicks(jsonLines: clicks)
        XCTAssertEqual(ledgers.clicks.map(\.id), ["1", "3"])
        XCTAssertEqual(ledgers.clicks.map(\.source.line), [1, 5])
        XCTAssertEqual(ledgers.rejects.map(\.line), [4])
        XCTAssertEqual(ledgers.counts[1].read, 3)
    }

    /// A character beyond U+FFFF escaped as two halves (as Python's json module writes
    /// it) is read as that character; a half alone is a bad escape, with its line.
    func testJSONLinesReadEscapedCharactersBeyondTheBasicPlane() throws {
        let clicks = "{\"id\":\"1\",\"at\":\"2026-03-01T10:00:00Z\",\"referrer\":\"R1\",\"customer\":\"\\ud83d\\ude00@x.com\"}\n"
            + "{\"id\":\"2\",\"at\":\"2026-03-01T10:00:01Z\",\"referrer\":\"R1\",\"customer\":\"\\ud83d@x.com\"}\n"
        let ledgers = try loadClicks(jsonLines: clicks)
        XCTAssertEqual(ledgers.clicks.map(\.customer), ["\u{1F600}@x.com"])
        XCTAssertEqual(ledgers.rejects.map { "\($0.line): \($0.reason)" }, ["2: bad \\u escape"])
    }

    /// Rows without a time (referrers) are compared with every earlier row of the file by
    /// key, whatever stands between them; a different row with a repeated id is not an
    /// exact duplicate.
    func testRowsWithoutATimeAreDuplicatesAnywhereInTheFile() throws {
        var referrers = "id,name,kind,tier\n"
        for index in 1...300 { referrers += "R\(index),N\(index),affiliate,gold\n" }
        referrers += "R7,N7,affiliate,gold\nR9,Other,affiliate,gold\nR300,N300,affiliate,gold\n"
        let project = try ScratchProject(files: ["referrers.csv": referrers], ledgers: "  referrers: referrers.csv\n")
        defer { project.remove() }
        let ledgers = try project.load()
        assertAccounted(ledgers)
        XCTAssertEqual(ledgers.rejects.filter { $0.reason.contains("exact duplicate") }.map { "\($0.line): \($0.reason)" }, [
            "302: exact duplicate of line 8, skipped",
            "304: exact duplicate of line 301, skipped",
        ])
        XCTAssertEqual(ledgers.counts[0].duplicates, 2)
        XCTAssertEqual(ledgers.referrers.count, 300)
    }

    func testDifferentOrderWithTheSameIdIsRejected() throws {
        let project = try ScratchProject(files: [
            "a.csv": "order,at,customer,amount\nX,2026-01-01T00:00:00Z,c,10.00\n",
            "b.csv": "order,at,customer,amount\nX,2026-01-01T00:00:00Z,c,12.00\n",
        ], ledgers: "  orders:\n    - a.csv\n    - b.csv\n")
        defer { project.remove() }
        let ledgers = try project.load()
        assertAccounted(ledgers)
        XCTAssertEqual(ledgers.rejects.map(\.reason), ["order id `X` is already used by a different order on line 2 of a.csv"])
        XCTAssertEqual(ledgers.orders.first?.net, 10_00)
    }

    /// Orders are processed by instant, then by id byte-wise, whatever order the files
    /// give them in; refunds find their order where it ends up.
    func testOrdersAreSortedByInstantThenId() throws {
        let orders = ["order,at,customer,amount", "B,2026-01-02T00:00:00Z,c,1.00", "A,2026-01-02T00:00:00Z,c,2.00",
                      "C,2026-01-01T00:00:00Z,c,3.00", "D,2026-01-03T00:00:00Z,c,4.00", "a,2026-01-02T00:00:00Z,c,5.00"]
        for (name, lines) in [("shuffled", orders), ("in order", [orders[0], orders[3], orders[2], orders[1], orders[5], orders[4]]),
                              ("in time order, ids not", [orders[0], orders[3], orders[1], orders[2], orders[5], orders[4]])] {
            let project = try ScratchProject(files: [
                "orders.csv": lines.joined(separator: "\n") + "\n",
                "refunds.csv": "order,at,amount\nB,2026-01-05T00:00:00Z,0.50\n",
            ], ledgers: "  orders: orders.csv\n  refunds: refunds.csv\n")
            defer { project.remove() }
            let ledgers = try project.load()
            assertAccounted(ledgers)
            XCTAssertEqual(ledgers.orders.map(\.id), ["C", "A", "B", "a", "D"], name)
            XCTAssertEqual(ledgers.refunds.map { ledgers.orders[$0.orderPosition].id }, ["B"], name)
        }
    }

    func testLocalTimesAreReadInTheProgramZone() throws {
        let clock = ProgramClock(identifier: "America/New_York")!
        func read(_ text: String) -> Int64? { try? FieldText.timestamp(text, clock: clock).get().secondsSinceEpoch }
        XCTAssertEqual(read("2026-01-15T10:00:00"), Timestamp.parse("2026-01-15T15:00:00Z")?.secondsSinceEpoch, "EST")
        XCTAssertEqual(read("2026-07-15 10:00"), Timestamp.parse("2026-07-15T14:00:00Z")?.secondsSinceEpoch, "EDT")
        XCTAssertEqual(read("2026-03-08"), Timestamp.parse("2026-03-08T05:00:00Z")?.secondsSinceEpoch, "a date is local midnight")
        XCTAssertEqual(read("2026-03-14 18:22:05 -0400"), Timestamp.parse("2026-03-14T22:22:05Z")?.secondsSinceEpoch, "Shopify")
        XCTAssertEqual(read("10-Jul-2026"), Timestamp.parse("2026-07-10T04:00:00Z")?.secondsSinceEpoch, "Amazon returns")
        XCTAssertNil(read("2026-02-30T10:00:00Z"))
    }

    func testMalformedFilesAreAccountedFor() throws {
        let project = try ScratchProject(files: [
            "referrers.csv": Self.referrers,
            "empty.csv": "",
            "wrong-header.csv": "when,who\n2026-01-01T00:00:00Z,R1\n2026-01-02T00:00:00Z,R1\n",
            "broken.csv": "at,referrer\n\"2026-01-01T00:00:00Z,R1\n",
        ], ledgers: "  referrers: referrers.csv\n  clicks:\n    - empty.csv\n    - wrong-header.csv\n    - broken.csv\n")
        defer { project.remove() }
        let ledgers = try project.load()
        assertAccounted(ledgers)
        XCTAssertEqual(ledgers.fileProblems.map(\.message), [
            "clicks ledger `empty.csv`: the file is empty: it has no header line",
            "clicks ledger `wrong-header.csv`: the header has no `at`, `referrer` column (found: when, who)",
        ])
        XCTAssertEqual(ledgers.fileProblems[0].span.location, SourceLocation(line: 6, column: 7), "points into tally.yaml")
        XCTAssertEqual(ledgers.counts.map(\.rejected), [0, 0, 2, 1])
        XCTAssertEqual(ledgers.rejects.last?.reason, "a quoted field opened on line 2 is never closed")
    }

    func testProjectFileMistakesHavePositions() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-yaml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "x".write(to: folder.appendingPathComponent("p.tally"), atomically: true, encoding: .utf8)
        try "a".write(to: folder.appendingPathComponent("o.csv"), atomically: true, encoding: .utf8)
        let path = folder.appendingPathComponent("tally.yaml").path
        try "program: p.tally\noutptu: out\nledgers:\n  order: o.csv\n  orders:\n    path: o.csv\n    format: amazon-order\n".write(toFile: path, atomically: true, encoding: .utf8)
        let (project, diagnostics) = ProjectFile.load(path)
        XCTAssertNil(project)
        XCTAssertEqual(diagnostics.map { "\($0.span.location) \($0.message) | \($0.help ?? "")" }, [
            "2:1 `outptu` is not a setting of tally.yaml | did you mean `output`?",
            "4:3 `order` is not a ledger | did you mean `orders`?",
            "7:13 `amazon-order` is not a ledger format | did you mean `amazon-orders`?",
        ])
        try "program: p.tally\nledgers: [unclosed\n".write(toFile: path, atomically: true, encoding: .utf8)
        let (_, broken) = ProjectFile.load(path)
        XCTAssertEqual(broken.first?.code, "project.yaml")
        XCTAssertEqual(broken.first?.span.location.line, 3)
    }

    func testTimestampFormatsAndInvalidTextAreRejectedWithPositions() throws {
        let project = try ScratchProject(files: [
            "referrers.csv": Self.referrers,
            "clicks.csv": "at,referrer,customer\n14/03/2026 18:22,R1,ann\n31/02/2026 10:00,R1,ann\n2026-03-14,R1,ann\n",
        ], ledgers: "  referrers: referrers.csv\n  clicks:\n    path: clicks.csv\n    timestamps: \"%d/%m/%Y %H:%M\"\n")
        defer { project.remove() }
        var bytes = [UInt8](try Data(contentsOf: project.folder.appendingPathComponent("clicks.csv")))
        bytes += Array("15/03/2026 09:00,R1,".utf8) + [0xC3, 0x28] + Array("\n".utf8)
        try Data(bytes).write(to: project.folder.appendingPathComponent("clicks.csv"))
        let ledgers = try project.load()
        assertAccounted(ledgers)
        XCTAssertEqual(ledgers.clicks.map(\.at), [Timestamp.parse("2026-03-14T22:22:00Z")!], "local time in New York (EDT)")
        XCTAssertEqual(ledgers.rejects.map { "\($0.line) \($0.column) \($0.reason)" }, [
            "3 at `31/02/2026 10:00` is not a real date and time",
            "4 at `2026-03-14` does not match the timestamp format `%d/%m/%Y %H:%M`",
            "5 customer the text is not valid UTF-8",
        ])
    }
}
