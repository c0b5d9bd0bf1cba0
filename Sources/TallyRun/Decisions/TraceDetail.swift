/// How much of each decision's explanation a run writes (`tally run --trace`).
///
/// Every level keeps the decision itself (status, amount, rule lines, reason) and
/// everything statements and the summary read. The level is recorded in the run's
/// header: `tally verify` re-runs with it, and `tally explain` says what a lesser level
/// left out.
public enum TraceDetail: String, Sendable, CaseIterable {
    /// Every touch considered (kept or excluded, and why: weaker evidence, beyond the
    /// lookback by how much, rejected by a check), every rule (paid, replaced, not
    /// matched with the condition and the values it saw), weights, credit, fraud checks
    /// and adjustments. The default.
    case full
    /// What decided the amount: the order's facts, the touches that were credited or
    /// rejected by a touch check, the rules that paid or were replaced (with their
    /// arithmetic), weights, credit, fraud checks and adjustments. Touches that lost
    /// (older, weaker evidence) and rules that did not match are left out.
    case decisive
    /// No trace: the decision records carry the decision alone.
    case none
}
