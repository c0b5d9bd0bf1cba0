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
        if seconds == 0 { return "0 seconds" }
        var rest = seconds.magnitude
        var parts: [String] = []
        for (unit, size) in [("week", UInt64(604_800)), ("day", 86_400), ("hour", 3_600), ("minute", 60), ("second", 1)] where rest >= size {
            // Weeks only when they are whole: `30 days` reads better than `4 weeks 2 days`.
            if unit == "week", rest % size != 0 { continue }
            let count = rest / size
            rest -= count * size
            parts.append("\(count) \(unit)\(count == 1 ? "" : "s")")
        }
        return (seconds < 0 ? "-" : "") + parts.joined(separator: " ")
    }

    /// ISO-8601 in UTC.
    public static func timestampText(_ instant: Timestamp) -> String {
        let seconds = instant.secondsSinceEpoch
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = seconds - days * 86_400
        let date = CivilDate(daysSinceEpoch: Int(days))
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(date)T\(two(rest / 3600)):\(two(rest % 3600 / 60)):\(two(rest % 60))Z"
    }

    var isTrue: Bool { if case .bool(true) = self { return true }; return false }
}
