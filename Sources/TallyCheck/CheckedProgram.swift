import TallySource
import TallySyntax
import TallyValues

/// A program that passed checking: its settings resolved to values and its
/// declarations gathered from every included file, ready for planning.
public struct CheckedProgram: Sendable {
    public var name: String
    public var currency: Currency
    public var timezone: String
    public var schema: RecordSchema
    public var attribution: AttributionSettings
    public var fraudChecks: [FraudCheck]
    public var rules: [Rule]
    public var tables: [Table]
    public var tiers: [Tiers]
    public var limits: [Limit]
    /// The return-window hold in whole days, if any.
    public var holdDays: Int?
    public var clawbackProportionally: Bool
    /// Minimum payout in minor units and the payout period word, if any.
    public var payoutMinimum: (period: String, minorUnits: Int64)?
    /// Every file that makes up the program, the root first.
    public var files: [SourceFile]
}

/// The attribution block, resolved.
public struct AttributionSettings: Sendable, Equatable {
    public enum Model: Sendable, Equatable {
        case firstTouch, lastTouch, linear
        /// Half-life in seconds.
        case timeDecay(halfLifeSeconds: Int64)
        /// First and last shares in basis points of 100% (4000 = 40%).
        case positionBased(firstBasisPoints: Int64, lastBasisPoints: Int64)
    }
    public var model: Model = .lastTouch
    /// Lookback in seconds (inclusive).
    public var lookbackSeconds: Int64 = 30 * 86_400
    /// Evidence classes, strongest first.
    public var evidence: [String] = ["coupon", "click", "survey"]
}
