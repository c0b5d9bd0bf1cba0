/// A calendar date without a time zone (proleptic Gregorian), as written in rule files
/// and used for effective dates, statement months and payable-on dates.
public struct CivilDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// year × 10000 + month × 100 + day, in one 4-byte number: three `Int`s took 24 bytes,
    /// and every decision holds three dates (a million decisions: 60 MB less).
    private let packed: Int32

    public var year: Int {
        let (quotient, remainder) = Int(packed).quotientAndRemainder(dividingBy: 10000)
        return remainder < 0 ? quotient - 1 : quotient
    }
    public var month: Int { (Int(packed) - year * 10000) / 100 }
    public var day: Int { (Int(packed) - year * 10000) % 100 }

    private init(packing year: Int, _ month: Int, _ day: Int) {
        packed = Int32(truncatingIfNeeded: year * 10000 + month * 100 + day)
    }

    /// The date, or nil when the day does not exist (2026-02-30, month 13).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              day >= 1, day <= CivilDate.daysIn(month: month, year: year) else { return nil }
        self.init(packing: year, month, day)
    }

    /// Parses `YYYY-MM-DD`; nil for any other shape or a day that does not exist.
    public init?(iso text: Substring) {
        var text = String(text)
        guard let date = text.withUTF8({ CivilDate(isoBytes: $0) }) else { return nil }
        self = date
    }

    /// `init(iso:)` over UTF-8 bytes.
    public init?(isoBytes bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public static func isLeap(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (negative before).
    public var daysSinceEpoch: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date `days` days since 1970-01-01.
    public init(daysSinceEpoch days: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(packing: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// The date `count` days later (earlier when negative).
    public func adding(days count: Int) -> CivilDate {
        CivilDate(daysSinceEpoch: daysSinceEpoch + count)
    }

    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool { lhs.packed < rhs.packed }

    public var description: String {
        if (0...9999).contains(year) { return String(unsafeUninitializedCapacity: 10) { write(into: $0) } }
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// Writes `YYYY-MM-DD` (10 ASCII bytes) at the start of `buffer` and returns 10, or
    /// writes nothing and returns 0 when the year has not four digits or it is too short.
    /// Renderers put every order's date in place with it.
    public func write(into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        guard (0...9999).contains(year), buffer.count >= 10 else { return 0 }
        CivilDate.digits(year, 4, into: buffer, at: 0)
        buffer[4] = 45
        CivilDate.digits(month, 2, into: buffer, at: 5)
        buffer[7] = 45
        CivilDate.digits(day, 2, into: buffer, at: 8)
        return 10
    }

    /// `value` as `count` decimal digits (leading zeros) at `offset`.
    @inline(__always)
    public static func digits(_ value: Int, _ count: Int, into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        var value = value
        var index = offset + count - 1
        while index >= offset {
            buffer[index] = UInt8(truncatingIfNeeded: 48 + value % 10)
            value /= 10
            index -= 1
        }
    }
}

/// Each day's `YYYY-MM-DD` from 1970-01-01 through 2099-12-31, made once, for writing
/// timestamps: a timestamp's date is then ten bytes copied. (Made from the civil date each
/// time, the date was two thirds of writing a timestamp, and a trace writes one for each
/// of its touches: 3.6 million on the reference kit's large data.)
public enum DayTexts {
    /// The days the table holds, counted from 1970-01-01.
    static let days = 0..<47_482
    private static let bytes: [UInt8] = {
        var bytes = [UInt8](repeating: 0, count: days.count * 10)
        bytes.withUnsafeMutableBufferPointer { buffer in
            for day in days {
                _ = CivilDate(daysSinceEpoch: day).write(into: UnsafeMutableBufferPointer(rebasing: buffer[(day * 10)...]))
            }
        }
        return bytes
    }()

    /// Writes the date `day` days after 1970-01-01 as `YYYY-MM-DD` at the start of `buffer`
    /// (which has room for ten bytes); false, writing nothing, for a day the table lacks.
    @inline(__always)
    public static func write(day: Int, into buffer: UnsafeMutableBufferPointer<UInt8>) -> Bool {
        guard days.contains(day), buffer.count >= 10, let target = buffer.baseAddress else { return false }
        bytes.withUnsafeBufferPointer { target.update(from: $0.baseAddress! + day * 10, count: 10) }
        return true
    }
}
