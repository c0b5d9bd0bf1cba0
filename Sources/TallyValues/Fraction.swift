/// An exact ratio of two 128-bit integers, for the few places where an amount is a
/// product of several factors (a rate, a share, a line total) that must be rounded
/// once, at the end.
public struct Fraction: Sendable, Equatable, CustomStringConvertible {
    public var numerator: Int128
    public var denominator: Int128

    public init(_ numerator: Int128, _ denominator: Int128 = 1) {
        precondition(denominator != 0, "zero denominator")
        if denominator < 0 {
            self.numerator = -numerator
            self.denominator = -denominator
        } else {
            self.numerator = numerator
            self.denominator = denominator
        }
    }

    public init(_ value: Int64) { self.init(Int128(value), 1) }

    /// The value rounded half to even.
    public var roundedHalfEven: Int64 {
        let negative = numerator < 0
        let n = negative ? -numerator : numerator
        var q = n / denominator
        let r = n % denominator
        if 2 * r > denominator || (2 * r == denominator && q % 2 == 1) { q += 1 }
        return Int64(negative ? -q : q)
    }

    public static func + (a: Fraction, b: Fraction) -> Fraction {
        if a.denominator == b.denominator { return Fraction(a.numerator + b.numerator, a.denominator) }
        return Fraction(a.numerator * b.denominator + b.numerator * a.denominator, a.denominator * b.denominator).reduced
    }

    public static func * (a: Fraction, b: Fraction) -> Fraction {
        Fraction(a.numerator * b.numerator, a.denominator * b.denominator).reduced
    }

    /// The same value with numerator and denominator divided by their gcd, so chains of
    /// products stay far from overflow.
    public var reduced: Fraction {
        var a = numerator < 0 ? -numerator : numerator, b = denominator
        while b != 0 { (a, b) = (b, a % b) }
        guard a > 1 else { return self }
        return Fraction(numerator / a, denominator / a)
    }

    public var description: String { denominator == 1 ? "\(numerator)" : "\(numerator)/\(denominator)" }
}

extension ExactDecimal {
    /// The value as a fraction.
    public var fraction: Fraction {
        var denominator: Int128 = 1
        for _ in 0..<scale { denominator *= 10 }
        return Fraction(Int128(significand), denominator)
    }

    /// Both values at the larger of the two scales.
    static func aligned(_ a: ExactDecimal, _ b: ExactDecimal) -> (Int128, Int128, Int) {
        let scale = Swift.max(a.scale, b.scale)
        func widen(_ x: ExactDecimal) -> Int128 {
            var value = Int128(x.significand)
            for _ in 0..<(scale - x.scale) { value *= 10 }
            return value
        }
        return (widen(a), widen(b), scale)
    }

    /// Exact sum (nil on overflow).
    public static func + (a: ExactDecimal, b: ExactDecimal) -> ExactDecimal {
        let (x, y, scale) = aligned(a, b)
        return ExactDecimal(clamping: x + y, scale: scale)
    }

    public static func - (a: ExactDecimal, b: ExactDecimal) -> ExactDecimal {
        let (x, y, scale) = aligned(a, b)
        return ExactDecimal(clamping: x - y, scale: scale)
    }

    public static func * (a: ExactDecimal, b: ExactDecimal) -> ExactDecimal {
        ExactDecimal(clamping: Int128(a.significand) * Int128(b.significand), scale: a.scale + b.scale)
    }

    /// The quotient to `digits` fraction digits, rounded half to even; nil for division by zero.
    public func divided(by other: ExactDecimal, digits: Int = 6) -> ExactDecimal? {
        guard other.significand != 0 else { return nil }
        // (a / 10^sa) / (b / 10^sb) = a * 10^(sb + digits - sa) / b, at scale `digits`.
        var numerator = Int128(significand)
        var denominator = Int128(other.significand)
        let shift = other.scale + digits - scale
        if shift >= 0 { for _ in 0..<shift { numerator *= 10 } } else { for _ in 0..<(-shift) { denominator *= 10 } }
        return ExactDecimal(clamping: Fraction(numerator, denominator).roundedHalfEvenWide, scale: digits)
    }

    public static func compare(_ a: ExactDecimal, _ b: ExactDecimal) -> Int {
        let (x, y, _) = aligned(a, b)
        return x < y ? -1 : (x > y ? 1 : 0)
    }

    /// A value from a wide significand, dropping trailing fraction digits (half-even)
    /// until it fits in 64 bits and at most 18 fraction digits.
    init(clamping wide: Int128, scale: Int) {
        var value = wide
        var scale = scale
        while scale > 18 || value > Int128(Int64.max) || value < Int128(Int64.min) {
            guard scale > 0 else {
                value = value > 0 ? Int128(Int64.max) : Int128(Int64.min)
                break
            }
            value = Fraction(value, 10).roundedHalfEvenWide
            scale -= 1
        }
        self.init(significand: Int64(value), scale: scale)
    }

    /// The value with trailing zero fraction digits removed (12.50 -> 12.5).
    public var normalized: ExactDecimal {
        var value = self
        while value.scale > 0, value.significand % 10 == 0 {
            value = ExactDecimal(significand: value.significand / 10, scale: value.scale - 1)
        }
        return value
    }
}

extension Fraction {
    /// Half-even rounding without narrowing to 64 bits.
    var roundedHalfEvenWide: Int128 {
        let negative = numerator < 0
        let n = negative ? -numerator : numerator
        var q = n / denominator
        let r = n % denominator
        if 2 * r > denominator || (2 * r == denominator && q % 2 == 1) { q += 1 }
        return negative ? -q : q
    }
}
