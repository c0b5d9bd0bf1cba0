/// The units a duration literal may use. Every unit is an exact number of seconds:
/// months and years are calendar notions and are not durations.
public enum DurationUnit: String, CaseIterable, Sendable {
    case second, minute, hour, day, week

    /// Seconds in one unit.
    public var seconds: Int64 {
        switch self {
        case .second: return 1
        case .minute: return 60
        case .hour: return 3_600
        case .day: return 86_400
        case .week: return 604_800
        }
    }

    /// The unit a word names, singular or plural (`day`, `days`).
    public init?(word: String) {
        let singular = word.hasSuffix("s") ? String(word.dropLast()) : word
        self.init(rawValue: singular)
    }

    /// Calendar words that look like durations but are not exact (`month`, `years`).
    public static func isCalendarWord(_ word: String) -> Bool {
        ["month", "months", "year", "years", "quarter", "quarters"].contains(word)
    }
}
