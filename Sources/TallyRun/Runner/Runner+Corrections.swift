import TallyLedgers
import TallyPlan
import TallyValues

extension Runner {
    /// Corrections never rewrite history. A decision that an earlier run paid keeps the
    /// amount paid; when this run computes a different amount (late data, a rule fixed
    /// retroactively), the difference is a `correction` record in the as-of month, with
    /// its reason.
    mutating func correct(_ decision: inout Decision) {
        guard let earlier = paid[decision.id] else { return }
        decidedAgain.insert(decision.id)
        let difference = decision.amount - earlier.amount
        guard difference != 0 else { return }
        decision.trace.adjustments.append(AdjustmentTrace(
            kind: "paid", rule: "paid by an earlier run", before: decision.amount, after: earlier.amount,
            note: "recomputed \(money(decision.amount)), paid \(money(earlier.amount)): the difference is correction \(decision.id)/correction"))
        result.adjustments.append(AdjustmentRecord(
            id: "\(decision.id)/correction", kind: .correction, decision: decision.id, order: decision.order,
            referrer: decision.referrer, referrerIndex: decision.referrerIndex, at: asOf,
            month: CalendarMonth(plan.clock.localDate(of: asOf)), amount: difference,
            reason: reason(earlier, now: "now \(decision.status.rawValue) \(money(decision.amount))"),
            arithmetic: "\(money(decision.amount)) recomputed − \(money(earlier.amount)) paid = \(money(difference))"))
        decision.amount = earlier.amount
    }

    /// A paid decision that no longer stands is corrected to zero the same way.
    mutating func applyCorrections() {
        guard !paid.isEmpty else { return }
        let month = CalendarMonth(plan.clock.localDate(of: asOf))
        for id in paid.keys.sorted() where !decidedAgain.contains(id) {
            let earlier = paid[id]!
            guard earlier.amount != 0, let referrer = ledgers.referrerIndex[earlier.referrer] else { continue }
            result.adjustments.append(AdjustmentRecord(
                id: "\(id)/correction", kind: .correction, decision: id, order: earlier.order, referrer: earlier.referrer,
                referrerIndex: referrer, at: asOf, month: month, amount: -earlier.amount,
                reason: reason(earlier, now: "the decision no longer stands (the order is no longer credited to this referrer)"),
                arithmetic: "0.00 now − \(money(earlier.amount)) paid = \(money(-earlier.amount))"))
        }
    }

    private func reason(_ earlier: PaidDecision, now: String) -> String {
        let rules = earlier.rulesVersion == plan.rulesVersion ? "same rules, changed inputs" : "rules changed since it was paid"
        return "paid \(money(earlier.amount)) in an earlier run; \(now) (\(rules))"
    }
}
