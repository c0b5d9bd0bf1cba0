/// An instant as whole seconds since 1970-01-01T00:00:00Z. Sub-second digits are
/// accepted when reading and truncated: every rule and window works in seconds.
public struct Timestamp: Hashable, Comparable, Sendable {
    public var secondsSinceEpoch: Int64

    public init(secondsSinceEpoch: Int64) {
        self.secondsSinceEpoch = secondsSinceEpoch
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.secondsSinceEpoch < rhs.secondsSinceEpoch
    }

    /// Parses ISO-8601 with an explicit zone: `2026-03-14T22:22:05Z`,
    /// `2026-03-14T18:22:05-04:00`, `2026-03-14T18:22-04:00`, fractions allowed.
    /// Returns nil without a zone: a local time needs the program's time zone.
    public static func parse(_ text: String) -> Timestamp? {
        var text = text
        return text.withUTF8 { parse(bytes: $0) }
    }

    /// The day of the last instant read by `parse(bytes:lastDay:)`: the rows of a ledger
    /// in time order nearly all share their date with the row before.
    public struct LastDay: Sendable {
        /// The date's first eight bytes (`2026-03-`) and last two (`14`), as read.
        var head: UInt64 = 0
        var tail: UInt16 = 0
        /// The date's day number (days since 1970-01-01); nil before the first date.
        var days: Int64?

        public init() {}

        init(head: UInt64, tail: UInt16, days: Int64) {
            self.head = head
            self.tail = tail
            self.days = days
        }
    }

    /// `parse(bytes:)`, with the day of the instant read before remembered in `lastDay`:
    /// an instant of the form `2026-03-14T22:22:05Z` whose date is the last one's needs
    /// only its time of day read. (Reading and checking the date, and counting its days,
    /// was 4% of loading the reference kit's ten million clicks.) Gives what
    /// `parse(bytes:)` gives for any bytes.
    public static func parse(bytes: UnsafeBufferPointer<UInt8>, lastDay: inout LastDay) -> Timestamp? {
        guard bytes.count == 20, let base = bytes.baseAddress, base[10] == UInt8(ascii: "T"), base[19] == UInt8(ascii: "Z") else {
            return parse(bytes: bytes)
        }
        let raw = UnsafeRawPointer(base)
        let head = raw.loadUnaligned(as: UInt64.self), tail = raw.loadUnaligned(fromByteOffset: 8, as: UInt16.self)
        guard let days = lastDay.days, head == lastDay.head, tail == lastDay.tail else {
            guard let instant = parse(bytes: bytes) else { return nil }
            // `…THH:MM:SSZ`: the time of day is under a day and there is no offset, so the
            // day is the instant's whole days.
            let seconds = instant.secondsSinceEpoch
            lastDay = LastDay(head: head, tail: tail, days: seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
            return instant
        }
        // Any other shape of twenty bytes (`…T22:22.55Z`, a fraction without seconds) or
        // a time out of range is read, or refused, the general way.
        let h1 = base[11] &- 48, h2 = base[12] &- 48, m1 = base[14] &- 48, m2 = base[15] &- 48, s1 = base[17] &- 48, s2 = base[18] &- 48
        guard base[13] == UInt8(ascii: ":"), base[16] == UInt8(ascii: ":"), h1 < 10, h2 < 10, m1 < 10, m2 < 10, s1 < 10, s2 < 10 else {
            return parse(bytes: bytes)
        }
        let hour = Int64(h1) * 10 + Int64(h2), minute = Int64(m1) * 10 + Int64(m2), second = Int64(s1) * 10 + Int64(s2)
        guard hour < 24, minute < 60, second < 60 else { return parse(bytes: bytes) }
        return Timestamp(secondsSinceEpoch: days * 86_400 + hour * 3600 + minute * 60 + second)
    }

    /// `parse` over UTF-8 bytes, so a ledger reader need not make a String first.
    public static func parse(bytes: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        guard bytes.count >= 17, let date = CivilDate(isoBytes: UnsafeBufferPointer(rebasing: bytes[0..<10])),
              bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " ") else { return nil }
        var index = 11
        func digits(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var value = 0
            for offset in 0..<count {
                let byte = bytes[index + offset]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            index += count
            return value
        }
        guard let hour = digits(2), index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
        index += 1
        guard let minute = digits(2) else { return nil }
        var second = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ":") {
            index += 1
            guard let value = digits(2) else { return nil }
            second = value
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 { index += 1 }
            if index == start { return nil }
        }
        guard hour < 24, minute < 60, second < 60, index < bytes.count else { return nil }
        var offsetSeconds = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let offsetHours = digits(2) else { return nil }
            if index < bytes.count, bytes[index] == UInt8(ascii: ":") { index += 1 }
            guard let offsetMinutes = digits(2), offsetHours < 24, offsetMinutes < 60 else { return nil }
            offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
        default:
            return nil
        }
        guard index == bytes.count else { return nil }
        let seconds = Int64(date.daysSinceEpoch) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        return Timestamp(secondsSinceEpoch: seconds)
    }
}
