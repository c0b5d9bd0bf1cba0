/// An exact decimal number as written: an integer significand and a count of
/// fraction digits (`12.50` is 1250 with scale 2). No floating point is involved.
public struct ExactDecimal: Hashable, Sendable, CustomStringConvertible {
    /// The digits as an integer, with the sign.
    public var significand: Int64
    /// How many of the significand's digits are after the decimal point.
    public var scale: Int

    public init(significand: Int64, scale: Int) {
        self.significand = significand
        self.scale = scale
    }

    /// Parses `123`, `-4.50`, `0.125`; nil for anything else or on overflow. Reads the
    /// UTF-8 bytes: only ASCII digits, one point and a leading sign are allowed.
    public init?(_ text: Substring) {
        var text = text
        guard let value = text.withUTF8({ ExactDecimal(utf8: $0) }) else { return nil }
        self = value
    }

    /// Parses a text as `init(_: Substring)` does.
    public init?(_ text: String) {
        var text = text
        guard let value = text.withUTF8({ ExactDecimal(utf8: $0) }) else { return nil }
        self = value
    }

    /// Parses the UTF-8 bytes of a number as `init(_:)` does. (Read in place: iterating a
    /// `Substring`'s UTF-8 view was a twentieth of building the reference kit's orders.)
    public init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        var digits: Int64 = 0
        var scale = 0
        var seenPoint = false
        var seenDigit = false
        var negative = false
        var start = 0
        if let first = bytes.first, first == 45 || first == 43 {
            negative = first == 45
            start = 1
        }
        for index in start..<bytes.count {
            let byte = bytes[index]
            if byte == 46 {
                if seenPoint { return nil }
                seenPoint = true
            } else if byte >= 48, byte <= 57 {
                let (times, overflow1) = digits.multipliedReportingOverflow(by: 10)
                let (plus, overflow2) = times.addingReportingOverflow(Int64(byte - 48))
                if overflow1 || overflow2 { return nil }
                digits = plus
                seenDigit = true
                if seenPoint { scale += 1 }
            } else {
                return nil
            }
        }
        guard seenDigit else { return nil }
        self.significand = negative ? -digits : digits
        self.scale = scale
    }

    /// The value rescaled to `digits` fraction digits, rounding half to even;
    /// nil on overflow.
    public func rescaled(to digits: Int) -> Int64? {
        if digits >= scale {
            var value = significand
            for _ in 0..<(digits - scale) {
                let (next, overflow) = value.multipliedReportingOverflow(by: 10)
                if overflow { return nil }
                value = next
            }
            return value
        }
        var divisor: Int64 = 1
        for _ in 0..<(scale - digits) { divisor *= 10 }
        return Rounding.halfEven(significand, divisor)
    }

    /// True when the value is an integer (no non-zero fraction digits).
    public var isIntegral: Bool {
        var divisor: Int64 = 1
        for _ in 0..<scale { divisor *= 10 }
        return significand % divisor == 0
    }

    public var description: String {
        if scale <= 0 { return scale == 0 ? String(significand) : String(significand) + String(repeating: "0", count: -scale) }
        // Written in place: every amount of every trace goes through here.
        return String(unsafeUninitializedCapacity: textLength) { write(into: $0) }
    }

    /// How many bytes `description` has, for a positive scale.
    public var textLength: Int {
        var digitCount = 1
        var probe = significand.magnitude / 10
        while probe > 0 { digitCount += 1; probe /= 10 }
        return (significand < 0 ? 1 : 0) + max(1, digitCount - scale) + 1 + max(scale, 0)
    }

    /// Writes the text of a decimal with a positive scale (`-12.50`) at the start of
    /// `buffer` and returns its length (`textLength`); 0, writing nothing, when the scale is
    /// not positive or the buffer is too short. Renderers put amounts in place with it.
    public func write(into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        let length = textLength
        guard scale > 0, buffer.count >= length else { return 0 }
        var magnitude = significand.magnitude
        var index = length - 1
        for _ in 0..<scale {
            buffer[index] = UInt8(48 + magnitude % 10)
            magnitude /= 10
            index -= 1
        }
        buffer[index] = 46
        index -= 1
        while index >= (significand < 0 ? 1 : 0) {
            buffer[index] = UInt8(48 + magnitude % 10)
            magnitude /= 10
            index -= 1
        }
        if significand < 0 { buffer[0] = 45 }
        return length
    }
}

/// Integer rounding used for every amount Tally computes.
public enum Rounding {
    /// `numerator / denominator` rounded half to even (banker's rounding), for any signs.
    public static func halfEven(_ numerator: Int64, _ denominator: Int64) -> Int64 {
        precondition(denominator != 0, "division by zero")
        let negative = (numerator < 0) != (denominator < 0)
        let n = numerator.magnitude
        let d = denominator.magnitude
        var q = n / d
        let r = n % d
        if 2 * r > d || (2 * r == d && q % 2 == 1) { q += 1 }
        let result = Int64(q)
        return negative ? -result : result
    }
}
