import TallyValues

/// A touch's weight in attribution, as an unsigned fixed-point number with 62 fraction
/// bits (1.0 is 2^62). Integer arithmetic keeps weights identical on every machine,
/// including time-decay's powers of two, so the largest-remainder split never depends
/// on floating point.
struct Weight: Comparable, Hashable {
    var raw: UInt64
    static let one = Weight(raw: 1 << 62)
    static let zero = Weight(raw: 0)

    static func < (a: Weight, b: Weight) -> Bool { a.raw < b.raw }
    static func + (a: Weight, b: Weight) -> Weight { Weight(raw: a.raw &+ b.raw) }

    /// `numerator / denominator` of one.
    static func fraction(_ numerator: Int64, _ denominator: Int64) -> Weight {
        Weight(raw: UInt64((Int128(1) << 62) * Int128(numerator) / Int128(denominator)))
    }

    /// The weight as a decimal with 6 digits, for traces.
    var decimal: ExactDecimal {
        ExactDecimal(significand: Fraction(Int128(raw) * 1_000_000, Int128(1) << 62).roundedHalfEven, scale: 6).normalized
    }

    /// `decimal` in words: "1" for a whole weight without arithmetic (the weight of
    /// nearly every credit, worded twice in every trace).
    var text: String { self == .one ? "1" : decimal.description }

    /// 2^(-age / halfLife), exactly reproducible: whole halvings by shifting, the
    /// fractional exponent bit by bit from a table of 2^(-2^-i).
    static func decay(age: Int64, halfLife: Int64) -> Weight {
        guard age > 0 else { return .one }
        let whole = age / halfLife
        if whole >= 62 { return .zero }
        var value = UInt128(1) << 62
        // The fractional part of age/halfLife, one binary digit at a time.
        var remainder = Int128(age % halfLife)
        let denominator = Int128(halfLife)
        for factor in Weight.fractionalPowers {
            remainder *= 2
            if remainder >= denominator {
                remainder -= denominator
                value = (value * UInt128(factor)) >> 62
            }
            if remainder == 0 { break }
        }
        return Weight(raw: UInt64(value >> UInt128(whole)))
    }

    /// 2^(-2^-i) for i = 1…62, in the same fixed point, rounded down.
    static let fractionalPowers: [UInt64] = [
        3260954456333195553,
        3877950241171266237,
        4228934724888366667,
        4416165660797809419,
        4512867096753504462,
        4562008997483360349,
        4586780255215411730,
        4599216278082138665,
        4605446927862164404,
        4608565417332308034,
        4610125453837388245,
        4610905670110601999,
        4611295827762151833,
        4611490918967884500,
        4611588467665893036,
        4611637242788701950,
        4611661630543559956,
        4611673824469352644,
        4611679921444339947,
        4611682969934856343,
        4611684494180870228,
        4611685256304066092,
        4611685637365711254,
        4611685827896545643,
        4611685923161965789,
        4611685970794676600,
        4611685994611032190,
        4611686006519210032,
        4611686012473298964,
        4611686015450343433,
        4611686016938865668,
        4611686017683126786,
        4611686018055257345,
        4611686018241322624,
        4611686018334355264,
        4611686018380871584,
        4611686018404129744,
        4611686018415758824,
        4611686018421573364,
        4611686018424480634,
        4611686018425934269,
        4611686018426661086,
        4611686018427024495,
        4611686018427206199,
        4611686018427297051,
        4611686018427342477,
        4611686018427365190,
        4611686018427376547,
        4611686018427382225,
        4611686018427385064,
        4611686018427386484,
        4611686018427387194,
        4611686018427387549,
        4611686018427387726,
        4611686018427387815,
        4611686018427387859,
        4611686018427387881,
        4611686018427387892,
        4611686018427387898,
        4611686018427387901,
        4611686018427387902,
        4611686018427387903
    ]
}
