@testable import TallyAudit
@testable import TallyRun
import TallyPlan
import TallySource
import TallyTestSupport
import TallyValues
import XCTest

/// Amounts, instants and durations as every trace and record writes them, and amounts as
/// ledgers give them: written and read byte by byte, so each form is pinned here.
final class ValueTextTests: XCTestCase {
    func testAmountsAreWrittenWithTheirScale() {
        let cases: [(Int64, Int, String)] = [(1250, 2, "12.50"), (-1250, 2, "-12.50"), (5, 2, "0.05"), (-5, 2, "-0.05"), (0, 2, "0.00"),
                                             (1200, 0, "1200"), (-7, 0, "-7"), (123_456, 3, "123.456"), (Int64.min + 1, 2, "-92233720368547758.07")]
        for (significand, scale, text) in cases {
            XCTAssertEqual(ExactDecimal(significand: significand, scale: scale).description, text)
        }
    }

    /// A cap's note is kept as facts by the runner and worded when rendered.
    func testCapNotesAreWordedFromTheirFacts() {
        let period = AdjustmentTrace(kind: "cap", rule: "limit", before: 5_000, after: 1_250,
                                     facts: .period(used: 48_750, room: 1_250, limit: 50_000, digits: 2))
        XCTAssertEqual(period.note, "487.50 already counted this period, 12.50 left of 500.00")
        let order = AdjustmentTrace(kind: "cap", rule: "limit", before: 700, after: 500, facts: .order(total: 1_037, limit: 1_000, digits: 0))
        XCTAssertEqual(order.note, "the order's total 1037 is over 1000; shared in proportion")
        XCTAssertEqual(AdjustmentTrace(kind: "correction", rule: "late order", before: 0, after: 1, note: "as written").note, "as written")
    }

    func testAmountsAreReadFromASCIIDigitsOnly() {
        XCTAssertEqual(ExactDecimal("-4.50").map { [$0.significand, Int64($0.scale)] }, [-450, 2])
        XCTAssertEqual(ExactDecimal("+0.125").map { [$0.significand, Int64($0.scale)] }, [125, 3])
        XCTAssertEqual(ExactDecimal(".5").map { [$0.significand, Int64($0.scale)] }, [5, 1])
        for bad in ["", "-", ".", "1.2.3", "1,50", "12a", "١٢", "１２", " 1", "99999999999999999999"] {
            XCTAssertNil(ExactDecimal(bad), bad)
        }
    }

    func testInstantsAndDurations() {
        XCTAssertEqual(Value.timestampText(Timestamp.parse("2026-03-08T07:05:09Z")!), "2026-03-08T07:05:09Z")
        XCTAssertEqual(Value.timestampText(Timestamp(secondsSinceEpoch: -1)), "1969-12-31T23:59:59Z")
        XCTAssertEqual(Value.timestampText(Timestamp(secondsSinceEpoch: 0)), "1970-01-01T00:00:00Z")
        XCTAssertEqual(Value.durationText(30 * 86_400), "30 days")
        XCTAssertEqual(Value.durationText(30 * 86_400 + 1), "30 days 1 second")
        XCTAssertEqual(Value.durationText(14 * 86_400), "2 weeks")
        XCTAssertEqual(Value.durationText(-5_400), "-1 hour 30 minutes")
        XCTAssertEqual(Value.durationText(0), "0 seconds")
    }

    /// A timestamp's date is copied from the table of days where it has the day and
    /// worked out beyond it: the same text either way, for every day of the table.
    func testTimestampsWrittenWithTheTableOfDaysAreTheirDates() {
        var buffer = [UInt8](repeating: 0, count: 32)
        for day in 0..<47_482 {
            let written = buffer.withUnsafeMutableBufferPointer { DayTexts.write(day: day, into: $0) }
            XCTAssertTrue(written, "day \(day)")
            XCTAssertEqual(String(decoding: buffer[..<10], as: UTF8.self), CivilDate(daysSinceEpoch: day).description, "day \(day)")
        }
        XCTAssertFalse(buffer.withUnsafeMutableBufferPointer { DayTexts.write(day: -1, into: $0) })
        XCTAssertFalse(buffer.withUnsafeMutableBufferPointer { DayTexts.write(day: 47_482, into: $0) })
        for day in Array(stride(from: -1_000, through: 49_000, by: 97)) + [-1, 0, 47_481, 47_482] {
            let instant = Timestamp(secondsSinceEpoch: Int64(day) * 86_400 + 3_723)
            let count = buffer.withUnsafeMutableBufferPointer { Value.timestampBytes(instant, into: $0) }
            XCTAssertEqual(String(decoding: buffer[..<count], as: UTF8.self), CivilDate(daysSinceEpoch: day).description + "T01:02:03Z", "day \(day)")
            XCTAssertEqual(String(decoding: buffer[..<count], as: UTF8.self), Value.timestampText(instant), "day \(day)")
        }
    }

    /// Instants read with the last day remembered are those read afresh, for every
    /// shape: a run of rows on one date, dates before 1970, a leap day, times out of
    /// range, other shapes of twenty bytes, offsets, fractions and garbage, in a row
    /// after any other (so the remembered day is tried against each).
    func testInstantsReadWithTheLastDayRememberedAreThoseReadAfresh() {
        let texts = ["2026-03-14T22:22:05Z", "2026-03-14T22:22:06Z", "2026-03-14T23:59:59Z", "2026-03-14T24:00:00Z",
                     "2026-03-14T23:60:00Z", "2026-03-14T23:59:60Z", "2026-03-14T2x:00:00Z", "2026-03-14T22:22.55Z",
                     "2026-03-14 22:22:05Z", "2026-03-14T22:22:05+01:00", "2026-03-14T22:22:05.123Z", "2026-03-14T22-22-05Z",
                     "2026-03-15T00:00:00Z", "2024-02-29T12:00:00Z", "2023-02-29T12:00:00Z", "1969-12-31T23:59:59Z",
                     "1969-12-31T00:00:00Z", "1960-01-01T00:00:01Z", "2026-13-01T00:00:00Z", "2026-03-14T22:22:05z",
                     "2026-03-14X22:22:05Z", "2026-03-14T22:22:05ZZ", "", "garbage", "2026-03-14T22:22Z"]
        var random = SystemRandomNumberGenerator()
        var lastDay = Timestamp.LastDay()
        for step in 0..<4_000 {
            // Each text once in order, then in random order, so that every text follows every other.
            let text = step < texts.count ? texts[step] : texts.randomElement(using: &random)!
            var bytes = Array(text.utf8)
            let fresh = bytes.withUnsafeBufferPointer { Timestamp.parse(bytes: $0) }
            let remembered = bytes.withUnsafeMutableBufferPointer { Timestamp.parse(bytes: UnsafeBufferPointer($0), lastDay: &lastDay) }
            XCTAssertEqual(remembered, fresh, "`\(text)` at step \(step)")
        }
        XCTAssertEqual(Value.timestampText(Timestamp.parse("1969-12-31T00:00:00Z")!), "1969-12-31T00:00:00Z")
    }

    func testMoreDurations() {
        XCTAssertEqual(Value.durationText(1), "1 second")
        XCTAssertEqual(Value.durationText(-1), "-1 second")
        XCTAssertEqual(Value.durationText(3 * 86_400 + 2 * 3_600 + 60 + 10), "3 days 2 hours 1 minute 10 seconds")
        XCTAssertEqual(Value.durationText(604_800 * 1_000), "1000 weeks")
        XCTAssertEqual(Value.durationText(Int64.min), "-106751991167300 days 15 hours 30 minutes 8 seconds")
    }

    /// Records write amounts, dates and instants in place: byte for byte their text.
    func testTextWrittenInPlaceIsTheDescription() {
        var random = SeededRandom(seed: 5)
        func written(_ length: Int, _ write: (UnsafeMutableBufferPointer<UInt8>) -> Int) -> String {
            var bytes = [UInt8](repeating: 0, count: length)
            let count = bytes.withUnsafeMutableBufferPointer { write($0) }
            return String(decoding: bytes[..<count], as: UTF8.self)
        }
        for _ in 0..<2_000 {
            let significand = Int64(bitPattern: random.next()) >> Int64(random.below(63))
            let scale = 1 + random.below(6)
            let amount = ExactDecimal(significand: significand, scale: scale)
            XCTAssertEqual(written(amount.textLength) { amount.write(into: $0) }, amount.description)
            XCTAssertEqual(written(amount.textLength - 1) { amount.write(into: $0) }, "", "too short a buffer is left alone")
            let seconds = Int64(random.below(400 * 366 * 86_400)) - 200 * 366 * 86_400
            let instant = Timestamp(secondsSinceEpoch: seconds)
            XCTAssertEqual(written(20) { Value.timestampBytes(instant, into: $0) }, Value.timestampText(instant))
            let date = CivilDate(daysSinceEpoch: Int(seconds / 86_400))
            XCTAssertEqual(written(10) { date.write(into: $0) }, date.description)
        }
        // Years without four digits are written by the text forms only.
        let far = Timestamp(secondsSinceEpoch: 253_402_300_800)
        XCTAssertEqual(written(20) { Value.timestampBytes(far, into: $0) }, "")
        XCTAssertEqual(Value.timestampText(far), "10000-01-01T00:00:00Z")
    }

    /// A rate payment's arithmetic and a whole-order credit are kept as facts and worded
    /// by the record writer in place: exactly the words `text` gives (which `tally explain`
    /// and the rule tests read), for texts that need escaping or are not ASCII, amounts of
    /// every sign and scale, whole and fractional rates.
    func testArithmeticWrittenInPlaceIsItsText() {
        var random = SeededRandom(seed: 11)
        func quoted(_ text: String) -> String {
            var bytes: [UInt8] = []
            JSON.quote(text, into: &bytes)
            return String(decoding: bytes, as: UTF8.self)
        }
        for _ in 0..<2_000 {
            let text = ["pay rates[referrer.kind] of credit.net", "", "pay 5 USD", "prime à l'unité ✓", "pay table[\"x\"]\t"][random.below(5)]
            let points = ExactDecimal(significand: Int64(random.below(100_000)) - 20_000, scale: random.below(5))
            let digits = [0, 2, 3][random.below(3)]
            let base = Int64(random.below(1 << 30)) * (random.below(2) == 0 ? 1 : -1)
            let amount = random.below(3) == 0 ? Int64(random.below(1000)) : (random.below(2) == 0 ? Int64.max : Int64.min + 1)
            let payment = PaymentArithmetic.rate(payment: text, points: points, base: base, amount: amount, digits: digits)
            XCTAssertEqual(payment.text, "\(text): \(points.normalized)% × \(ExactDecimal(significand: base, scale: digits)) = \(ExactDecimal(significand: amount, scale: digits))")
            var writer = JSONWriter(capacity: 1)
            writer.payment(nil, payment)
            XCTAssertEqual(String(decoding: writer.bytes, as: UTF8.self), quoted(payment.text))
            let fixed = PaymentArithmetic.fixed(payment: text, amount: amount, digits: digits)
            XCTAssertEqual(fixed.text, "\(text): \(ExactDecimal(significand: amount, scale: digits))")
            var fixedWriter = JSONWriter(capacity: 1)
            fixedWriter.payment(nil, fixed)
            XCTAssertEqual(String(decoding: fixedWriter.bytes, as: UTF8.self), quoted(fixed.text))
            let credit = CreditTrace.Arithmetic.wholeOrder(net: base, digits: digits)
            XCTAssertEqual(credit.text, "the whole order: net \(ExactDecimal(significand: base, scale: digits))")
            var creditWriter = JSONWriter(capacity: 1)
            creditWriter.creditArithmetic(nil, credit)
            XCTAssertEqual(String(decoding: creditWriter.bytes, as: UTF8.self), quoted(credit.text))
        }
        // Words stay words.
        var writer = JSONWriter()
        writer.payment(nil, .words("pay 5 USD: 5.00"))
        writer.creditArithmetic(nil, .words("net 10.00 split"))
        XCTAssertEqual(String(decoding: writer.bytes, as: UTF8.self), #""pay 5 USD: 5.00","net 10.00 split""#)
    }

    /// A percent of an amount is one ratio rounded once: the same as the product of the
    /// amount, the rate and 1/100 as fractions, rounded half to even (ties both ways).
    func testAPercentOfAnAmountIsRoundedOnceHalfToEven() {
        var random = SeededRandom(seed: 17)
        for _ in 0..<5_000 {
            let amount = Int64(bitPattern: random.next()) >> Int64(20 + random.below(43))
            let rate = ExactDecimal(significand: Int64(random.below(2_000_000)) - 500_000, scale: random.below(7))
            let expected = (Fraction(amount) * rate.fraction * Fraction(1, 100)).roundedHalfEven
            XCTAssertEqual(Interpreter.percentOf(amount, rate), expected, "\(rate)% of \(amount)")
        }
        // 12.5% of 0.04 is 0.005: half to even gives 0.00; of 0.12, 0.015 gives 0.02.
        XCTAssertEqual(Interpreter.percentOf(4, ExactDecimal(significand: 125, scale: 1)), 0)
        XCTAssertEqual(Interpreter.percentOf(12, ExactDecimal(significand: 125, scale: 1)), 2)
        XCTAssertEqual(Interpreter.percentOf(-12, ExactDecimal(significand: 125, scale: 1)), -2)
    }

    /// The record writer gives exactly the JSON tree's text, escapes and far dates included.
    func testTheRecordWriterWritesWhatTheTreeWrites() {
        var texts = ["plain", "", "quote \" and \\ back", "line\nbreak\ttab\u{1}\u{1F}", "é ✓ 🎉", String(repeating: "x", count: 5_000)]
        // Every character that needs escaping, at every place in and around a word of
        // eight bytes (the writer checks eight at a time), beside non-ASCII text.
        for special in (0..<0x20).map({ Character(Unicode.Scalar($0)) }) + ["\"", "\\"] {
            for before in 0...17 { texts.append(String(repeating: "a", count: before) + String(special) + "é" + String(repeating: "b", count: 9)) }
        }
        var writer = JSONWriter(capacity: 1)
        writer.beginObject()
        var members: [(String, JSON)] = []
        for (index, text) in texts.enumerated() {
            writer.string(key: text, text)
            members.append((text, .string(text)))
            writer.beginArray("list")
            writer.string(nil, text)
            writer.bool(nil, index % 2 == 0)
            writer.optionalString(nil, index % 3 == 0 ? nil : text)
            writer.endArray()
            members.append(("list", .array([.string(text), .bool(index % 2 == 0), index % 3 == 0 ? .null : .string(text)])))
        }
        writer.endObject()
        XCTAssertEqual(String(decoding: writer.bytes, as: UTF8.self), JSON.object(members).rendered())
    }

    /// A string written in parts is the string of the joined text, escapes included (a
    /// decision's outcome names its rules this way).
    func testAStringWrittenInPartsIsTheJoinedText() {
        let parts = ["rate", "", "quote \" and \\", "line\nbreak\u{1}", "é ✓ 🎉", "bonus", String(repeating: "x", count: 3_000)]
        for count in 0...parts.count {
            var writer = JSONWriter(capacity: 1)
            writer.beginArray()
            writer.beginString(nil)
            writer.raw("paid by ")
            for index in 0..<count {
                if index > 0 { writer.raw(", ") }
                writer.stringPart(parts[index])
            }
            writer.endString()
            writer.bool(nil, true)
            writer.endArray()
            let joined = "paid by " + parts.prefix(count).joined(separator: ", ")
            XCTAssertEqual(String(decoding: writer.bytes, as: UTF8.self), JSON.array([.string(joined), .bool(true)]).rendered(), "\(count) parts")
        }
    }

    /// Two texts joined by a character (a decision's id): the string of the joined text,
    /// escapes included.
    func testTwoTextsJoinedByACharacterAreTheJoinedString() {
        let texts = ["", "30000002", "R010597", "quote \" and \\", "line\nbreak\u{1}", "é ✓ 🎉", String(repeating: "x", count: 3_000)]
        for first in texts {
            for second in texts {
                var writer = JSONWriter(capacity: 1)
                writer.beginObject()
                writer.beginString("id")
                writer.stringPart(first)
                writer.raw("/")
                writer.stringPart(second)
                writer.endString()
                writer.bool("kept", true)
                writer.endObject()
                XCTAssertEqual(String(decoding: writer.bytes, as: UTF8.self),
                               JSON.object([("id", .string(first + "/" + second)), ("kept", .bool(true))]).rendered(), "\(first) / \(second)")
            }
        }
    }

    /// A click's numeric id is written as the text it was read from, and is the same id as
    /// that text.
    func testNumericTouchIdsAreWrittenAsTheirText() {
        for number in [Int64(0), 7, 10, 115_909, 10_000_000, 999_999_999_999_999_999] {
            var numeric = JSONWriter(), textual = JSONWriter()
            numeric.touchID("id", .number(number))
            textual.string("id", String(number))
            XCTAssertEqual(String(decoding: numeric.bytes, as: UTF8.self), String(decoding: textual.bytes, as: UTF8.self))
            XCTAssertEqual(TouchID.number(number), .text(String(number)))
            XCTAssertEqual(TouchID.number(number).text, String(number))
            var trace = TouchTrace(evidence: "click", touchID: .number(number), referrer: "R", at: Timestamp(secondsSinceEpoch: 0), code: "", excluded: nil)
            XCTAssertEqual(trace.id, String(number))
            trace.id = "c-\(number)"
            XCTAssertEqual(trace.touchID, .text("c-\(number)"))
        }
        for number in [Int64.min, Int64.min + 1, -1_200, -1, Int64.max] {
            var writer = JSONWriter()
            writer.money("n", number, digits: 0)
            XCTAssertEqual(String(decoding: writer.bytes, as: UTF8.self), #""n":"\#(number)""#)
        }
        XCTAssertNotEqual(TouchID.number(7), .text("07"))
        XCTAssertNotEqual(TouchID.number(7), .number(8))
    }

    /// A click beyond the lookback is worded in place in its record: exactly the words
    /// `TouchTrace.excluded` gives (which `tally explain` shows).
    func testClicksBeyondTheLookbackAreWordedAsTheTraceWordsThem() {
        for (age, lookback) in [(Int64(2_592_001), Int64(2_592_000)), (5_184_000, 2_592_000), (90_061, 86_400), (Int64.max, 1), (7 * 86_400, 604_800)] {
            var trace = TouchTrace(evidence: "click", id: "1", referrer: "R", at: Timestamp(secondsSinceEpoch: 0), code: "", excluded: nil)
            trace.exclusion = .beyondLookback(age: age, lookback: lookback)
            var writer = JSONWriter()
            writer.beyondLookback(nil, age: age, lookback: lookback)
            var expected: [UInt8] = []
            JSON.quote(trace.excluded ?? "", into: &expected)
            XCTAssertEqual(String(decoding: writer.bytes, as: UTF8.self), String(decoding: expected, as: UTF8.self))
            XCTAssertEqual(trace.beyondLookback?.age, age)
        }
    }

    func testRecordsWriteAmountsAndInstantsAsTheirText() {
        var writer = JSONWriter()
        writer.beginObject()
        writer.timestamp("at", Timestamp(secondsSinceEpoch: 253_402_300_800))
        writer.timestamp("then", Timestamp(secondsSinceEpoch: -1))
        writer.money("yen", -1200, digits: 0)
        writer.money("usd", -5, digits: 2)
        writer.date("day", CivilDate(year: 2026, month: 2, day: 28)!)
        writer.endObject()
        XCTAssertEqual(String(decoding: writer.bytes, as: UTF8.self),
                       #"{"at":"10000-01-01T00:00:00Z","then":"1969-12-31T23:59:59Z","yen":"-1200","usd":"-0.05","day":"2026-02-28"}"#)
    }
}


/// Local dates and midnights: UTC answers without its offset table, and a zone with
/// daylight saving resolves gaps and overlaps as `ProgramClock` documents.
final class ProgramClockTests: XCTestCase {
    func testUTCAndNamedZonesGiveLocalDatesAndMidnights() {
        let utc = ProgramClock(identifier: "UTC")!
        let instant = Timestamp.parse("2026-03-08T23:59:59Z")!
        XCTAssertEqual(utc.offset(at: instant), 0)
        XCTAssertEqual(utc.localDate(of: instant).description, "2026-03-08")
        XCTAssertEqual(Value.timestampText(utc.startOfDay(CivilDate(year: 2026, month: 3, day: 8)!)), "2026-03-08T00:00:00Z")
        let york = ProgramClock(identifier: "America/New_York")!
        XCTAssertEqual(york.localDate(of: instant).description, "2026-03-08")
        XCTAssertEqual(york.localDate(of: Timestamp.parse("2026-03-09T04:00:00Z")!).description, "2026-03-09")
        XCTAssertEqual(Value.timestampText(york.startOfDay(CivilDate(year: 2026, month: 3, day: 8)!)), "2026-03-08T05:00:00Z")
        XCTAssertEqual(Value.timestampText(york.startOfDay(CivilDate(year: 2026, month: 3, day: 9)!)), "2026-03-09T04:00:00Z")
        // 02:30 does not exist on 2026-03-08 (clocks jump 02:00 -> 03:00): read with the
        // offset before the gap. 01:30 on 2026-11-01 happens twice: the earlier is taken.
        let day = Int64(86_400)
        XCTAssertEqual(Value.timestampText(york.instant(localDate: CivilDate(year: 2026, month: 3, day: 8)!, secondsIntoDay: 9_000)),
                       "2026-03-08T07:30:00Z")
        XCTAssertEqual(Value.timestampText(york.instant(localDate: CivilDate(year: 2026, month: 11, day: 1)!, secondsIntoDay: 5_400)),
                       "2026-11-01T05:30:00Z")
        XCTAssertEqual(Value.timestampText(york.instant(localDate: CivilDate(year: 2026, month: 11, day: 1)!, secondsIntoDay: day - 1)),
                       "2026-11-02T04:59:59Z")
        let kolkata = ProgramClock(identifier: "Asia/Kolkata")!
        XCTAssertEqual(Value.timestampText(kolkata.startOfDay(CivilDate(year: 2026, month: 1, day: 1)!)), "2025-12-31T18:30:00Z")
    }
}
