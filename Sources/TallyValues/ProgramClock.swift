import Foundation

/// The program's time zone: turns instants into local calendar dates and local
/// wall-clock times into instants. Offsets are looked up once per local hour and
/// cached, so converting millions of events costs a dictionary lookup each.
public final class ProgramClock: @unchecked Sendable {
    public let zone: TimeZone
    private var offsetByHour: [Int64: Int] = [:]
    private let lock = NSLock()
    /// The offset of a zone that never changes it (UTC): no lookup, no lock.
    private let fixedOffset: Int?

    public init?(identifier: String) {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        self.zone = zone
        // Zones that are UTC by definition; any named zone may have changed its offset
        // in some year, so only these skip the table (a locked dictionary lookup per
        // conversion was a twentieth of evaluating an order of the reference workload).
        let universal: Set<String> = ["UTC", "GMT", "Etc/UTC", "Etc/GMT", "Etc/Universal", "Etc/Zulu", "Universal", "Zulu", "Etc/GMT0",
                                      "Etc/GMT+0", "Etc/GMT-0", "GMT0", "GMT+0", "GMT-0", "Etc/Greenwich", "Greenwich", "UCT", "Etc/UCT"]
        fixedOffset = universal.contains(identifier) && zone.secondsFromGMT(for: Date(timeIntervalSince1970: 0)) == 0 ? 0 : nil
    }

    /// UTC offset in seconds in force at an instant.
    public func offset(at instant: Timestamp) -> Int {
        if let fixedOffset { return fixedOffset }
        let hour = instant.secondsSinceEpoch >= 0 ? instant.secondsSinceEpoch / 3600 : (instant.secondsSinceEpoch - 3599) / 3600
        lock.lock()
        defer { lock.unlock() }
        if let cached = offsetByHour[hour] { return cached }
        let offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(hour * 3600)))
        offsetByHour[hour] = offset
        return offset
    }

    /// Local seconds since the epoch (wall clock read as if it were UTC).
    public func localSeconds(of instant: Timestamp) -> Int64 {
        instant.secondsSinceEpoch + Int64(offset(at: instant))
    }

    /// The local calendar date of an instant.
    public func localDate(of instant: Timestamp) -> CivilDate {
        let local = localSeconds(of: instant)
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        return CivilDate(daysSinceEpoch: Int(days))
    }

    /// The instant at which a local wall-clock time occurs. In a gap (spring forward)
    /// the time is read with the offset before the gap; in an overlap (fall back) the
    /// earlier instant is taken.
    public func instant(localDate date: CivilDate, secondsIntoDay seconds: Int64 = 0) -> Timestamp {
        let local = Int64(date.daysSinceEpoch) * 86_400 + seconds
        // Try the offsets in force around that time; take the earliest that round-trips.
        let before = local - Int64(offset(at: Timestamp(secondsSinceEpoch: local - 86_400)))
        let after = local - Int64(offset(at: Timestamp(secondsSinceEpoch: local + 86_400)))
        let beforeMatches = localSeconds(of: Timestamp(secondsSinceEpoch: before)) == local
        let afterMatches = localSeconds(of: Timestamp(secondsSinceEpoch: after)) == local
        switch (beforeMatches, afterMatches) {
        case (true, true): return Timestamp(secondsSinceEpoch: min(before, after))
        case (false, true): return Timestamp(secondsSinceEpoch: after)
        default: return Timestamp(secondsSinceEpoch: before)
        }
    }

    /// Local midnight starting a date.
    public func startOfDay(_ date: CivilDate) -> Timestamp { instant(localDate: date) }

    /// The last second of a month, local time: a month has ended once this has passed.
    public func lastInstant(of month: CalendarMonth) -> Timestamp {
        Timestamp(secondsSinceEpoch: startOfDay(month.adding(months: 1).firstDay).secondsSinceEpoch - 1)
    }
}

/// A calendar month, for caps and statements.
public struct CalendarMonth: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public init(year: Int, month: Int) {
        self.year = year
        self.month = month
    }
    public init(_ date: CivilDate) {
        self.init(year: date.year, month: date.month)
    }
    /// Reads `2026-03`.
    public init?(text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), (1...12).contains(month) else { return nil }
        self.init(year: year, month: month)
    }
    /// The first day of the month.
    public var firstDay: CivilDate { CivilDate(year: year, month: month, day: 1)! }
    /// The last day of the month.
    public var lastDay: CivilDate { adding(months: 1).firstDay.adding(days: -1) }
    public static func < (lhs: CalendarMonth, rhs: CalendarMonth) -> Bool {
        (lhs.year, lhs.month) < (rhs.year, rhs.month)
    }
    public var description: String {
        "\(year)-\(month < 10 ? "0" : "")\(month)"
    }
    /// The month `count` months later.
    public func adding(months count: Int) -> CalendarMonth {
        let index = year * 12 + (month - 1) + count
        return CalendarMonth(year: index / 12, month: index % 12 + 1)
    }
}
