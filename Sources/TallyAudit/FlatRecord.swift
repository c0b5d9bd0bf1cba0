import TallyLedgers

/// A record of a chained ledger read as a flat JSON object: its members' strings and
/// integers, as `JSONSerialization` gives them (a `String`, an `Int`). Tally writes its
/// records so (canonical JSON, no space between tokens); a line that is anything else,
/// such as one with a nested value, a fraction, `true`, a space, a repeated name or an
/// escape that does not stand for a character, gives nil and is read by
/// `JSONSerialization`. (The paid ledger of one closed quarter of the reference kit's
/// large data holds 400,000 records: one `JSONSerialization` call each took 1.6 s of
/// every later run.)
enum FlatRecord {
    static func object(_ line: UnsafeBufferPointer<UInt8>) -> [String: Any]? {
        guard let base = line.baseAddress else { return nil }
        let count = line.count
        var index = 0
        /// A string starting at `index` (its opening quote), read up to its closing quote.
        func string() -> String? {
            guard index < count, base[index] == 34 else { return nil }
            index += 1
            let start = index
            // Plain text up to the closing quote is taken as it is (bad UTF-8 replaced, as
            // when the whole line is read as text).
            while index < count, base[index] != 34, base[index] != 92 {
                if base[index] < 0x20 { return nil }
                index += 1
            }
            guard index < count else { return nil }
            if base[index] == 34 {
                index += 1
                return String(decoding: UnsafeBufferPointer(start: base + start, count: index - 1 - start), as: UTF8.self)
            }
            var bytes = Array(UnsafeBufferPointer(start: base + start, count: index - start))
            while index < count {
                let byte = base[index]
                index += 1
                switch byte {
                case 34: return String(decoding: bytes, as: UTF8.self)
                case 0..<0x20: return nil
                case 92:
                    guard index < count else { return nil }
                    let escaped = base[index]
                    index += 1
                    switch escaped {
                    case 34, 92, 47: bytes.append(escaped)
                    case 98: bytes.append(8)
                    case 102: bytes.append(12)
                    case 110: bytes.append(10)
                    case 114: bytes.append(13)
                    case 116: bytes.append(9)
                    case 117:
                        guard var scalar = hex4() else { return nil }
                        if scalar >= 0xD800, scalar < 0xDC00 {
                            // A high surrogate stands for a character only with its low one.
                            guard index + 1 < count, base[index] == 92, base[index + 1] == 117 else { return nil }
                            index += 2
                            guard let low = hex4(), low >= 0xDC00, low < 0xE000 else { return nil }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let character = Unicode.Scalar(scalar) else { return nil }
                        bytes.append(contentsOf: Array(String(character).utf8))
                    default: return nil
                    }
                default: bytes.append(byte)
                }
            }
            return nil
        }
        /// Four hex digits after `\u`.
        func hex4() -> UInt32? {
            guard index + 4 <= count else { return nil }
            var value: UInt32 = 0
            for offset in 0..<4 {
                guard let digit = UTF8Text.hexDigit(base[index + offset]) else { return nil }
                value = value << 4 | UInt32(digit)
            }
            index += 4
            return value
        }
        /// An integer starting at `index`: `-`, then `0` or digits not starting with 0,
        /// small enough for an `Int`.
        func integer() -> Int? {
            var negative = false
            if index < count, base[index] == 45 {
                negative = true
                index += 1
            }
            let start = index
            var value = 0
            while index < count, base[index] >= 48, base[index] <= 57 {
                let (times, overflow) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflowSum) = times.addingReportingOverflow(Int(base[index] - 48))
                guard !overflow, !overflowSum else { return nil }
                value = sum
                index += 1
            }
            guard index > start, base[start] != 48 || index == start + 1 else { return nil }
            return negative ? -value : value
        }
        guard count >= 2, base[0] == 123 else { return nil }
        index = 1
        var members: [String: Any] = [:]
        if base[index] == 125 { return index + 1 == count ? members : nil }
        while true {
            guard let name = string(), index < count, base[index] == 58 else { return nil }
            index += 1
            guard index < count else { return nil }
            let value: Any
            if base[index] == 34 {
                guard let text = string() else { return nil }
                value = text
            } else {
                guard let number = integer() else { return nil }
                value = number
            }
            guard members.updateValue(value, forKey: name) == nil, index < count else { return nil }
            if base[index] == 44 {
                index += 1
                continue
            }
            guard base[index] == 125, index + 1 == count else { return nil }
            return members
        }
    }
}
