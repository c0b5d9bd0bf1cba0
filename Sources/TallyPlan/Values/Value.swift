import TallyValues

/// A value at run time. Money is minor units of the program currency; percents and
/// numbers are exact decimals; a field with no value is `missing`.
public enum Value: Sendable, Equatable, CustomStringConvertible {
    case missing
    case bool(Bool)
    case number(ExactDecimal)
    case money(Int64)
    /// Percent points (8% is 8).
    case percent(ExactDecimal)
    /// Seconds.
    case duration(Int64)
    case date(CivilDate)
    case timestamp(Timestamp)
    case string(String)
    case list([Value])

    public var description: String {
        switch self {
        case .missing: return "(no value)"
        case .bool(let value): return value ? "true" : "false"
        case .number(let value): return value.normalized.description
        case .money(let minor): return Value.moneyText(minor, digits: 2)
        case .percent(let value): return value.normalized.description + "%"
        case .duration(let seconds): return Value.durationText(seconds)
        case .date(let date): return date.description
        case .timestamp(let instant): return Value.timestampText(instant)
        case .string(let text): return "\"\(text)\""
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        }
    }

    /// `-12.50` from minor units, never `-0.00`.
    public static func moneyText(_ minor: Int64, digits: Int) -> String {
        ExactDecimal(significand: minor, scale: digits).description
    }

    /// `30 days`, `1 hour 30 minutes`, `30 days 1 second`.
    public static func durationText(_ seconds: Int64) -> String {
        String(unsafeUninitializedCapacity: durationCapacity) { durationBytes(seconds, into: $0) }
    }

    /// The most bytes a duration's words take (a sign and five units of 20 digits each).
    public static let durationCapacity = 160

    /// Writes `durationText(seconds)` at the start of `buffer` (at least
    /// `durationCapacity` bytes) and returns its length: every click just beyond the
    /// lookback of every order is worded with it when traces are rendered.
    public static func durationBytes(_ seconds: Int64, into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        precondition(buffer.count >= durationCapacity, "a duration needs \(durationCapacity) bytes")
        var count = 0
        if seconds == 0 { return buffer.put("0 seconds", at: 0) }
        if seconds < 0 { count = buffer.put("-", at: count) }
        var rest = seconds.magnitude
        var first = true
        for (unit, size) in durationUnits where rest >= size {
            // Weeks only when they are whole: `30 days` reads better than `4 weeks 2 days`.
            if size == 604_800, rest % size != 0 { continue }
            let amount = rest / size
            rest -= amount * size
            if !first { count = buffer.put(" ", at: count) }
            first = false
            let start = count
            var digits = amount
            repeat {
                buffer[count] = UInt8(48 + digits % 10)
                count += 1
                digits /= 10
            } while digits > 0
            var low = start, high = count - 1
            while low < high {
                buffer.swapAt(low, high)
                low += 1
                high -= 1
            }
            count = buffer.put(amount == 1 ? unit.singular : unit.plural, at: count)
        }
        return count
    }

    private static let durationUnits: [((singular: StaticString, plural: StaticString), UInt64)] = [
        ((" week", " weeks"), 604_800), ((" day", " days"), 86_400), ((" hour", " hours"), 3_600),
        ((" minute", " minutes"), 60), ((" second", " seconds"), 1),
    ]

    /// ISO-8601 in UTC.
    public static func timestampText(_ instant: Timestamp) -> String {
        let seconds = instant.secondsSinceEpoch
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = Int(seconds - days * 86_400)
        let date = CivilDate(daysSinceEpoch: Int(days))
        guard (0...9999).contains(date.year) else {
            func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
            return "\(date)T\(two(rest / 3600)):\(two(rest % 3600 / 60)):\(two(rest % 60))Z"
        }
        // Twenty ASCII bytes written in place: this runs for every touch and order of a run.
        return String(unsafeUninitializedCapacity: 20) { timestampBytes(instant, into: $0) }
    }

    /// Writes an instant's ISO-8601 text (`2026-03-01T09:30:00Z`, 20 ASCII bytes) at the
    /// start of `buffer` and returns 20; 0, writing nothing, when the year has not four
    /// digits (see `timestampText`) or the buffer is too short.
    public static func timestampBytes(_ instant: Timestamp, into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        let seconds = instant.secondsSinceEpoch
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = Int(seconds - days * 86_400)
        guard buffer.count >= 20 else { return 0 }
        // The date from the table of days (see `DayTexts`), else worked out.
        if !DayTexts.write(day: Int(days), into: buffer) {
            guard CivilDate(daysSinceEpoch: Int(days)).write(into: buffer) == 10 else { return 0 }
        }
        buffer[10] = 84
        CivilDate.digits(rest / 3600, 2, into: buffer, at: 11)
        buffer[13] = 58
        CivilDate.digits(rest % 3600 / 60, 2, into: buffer, at: 14)
        buffer[16] = 58
        CivilDate.digits(rest % 60, 2, into: buffer, at: 17)
        buffer[19] = 90
        return 20
    }

    var isTrue: Bool { if case .bool(true) = self { return true }; return false }
}
