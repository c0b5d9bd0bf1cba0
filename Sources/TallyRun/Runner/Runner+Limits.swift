import TallyPlan
import TallyValues

extension Runner {
    /// Applies the limits in the order written. A per-order limit caps the order's total
    /// across referrers, reduced in proportion (largest remainder, ties to the earliest
    /// touch). A per-referrer limit counts decision totals after earlier limits in the
    /// order's local month (quarter, year); the decision that crosses it keeps its status
    /// with a `cap` adjustment, later ones are `capped` at 0.00. Rejected decisions count
    /// nothing; held ones count.
    mutating func applyLimits(_ decisions: inout [Decision], orderView: OrderView) {
        // Limits and decisions read by index, field by field: iterating the limits, or
        // handing a decision to a function, copied each (retaining every string it holds)
        // for every order.
        for limitIndex in plan.limits.indices {
            let limit = plan.limits[limitIndex]
            func counts(_ index: Int) -> Bool { decisions[index].status != .rejected && decisions[index].amount > 0 }
            if let months = limit.months {
                let period = Runner.period(of: orderView.localDate, months: months)
                for index in decisions.indices where counts(index) {
                    let referrer = decisions[index].referrerIndex
                    let used = limitUse.used(limit: limitIndex, referrer: referrer, period: period)
                    let before = decisions[index].amount
                    let room = max(0, limit.amount - used)
                    let after = min(before, room)
                    limitUse.set(used + after, limit: limitIndex, referrer: referrer, period: period)
                    guard after < before else { continue }
                    reduce(&decisions[index], to: after, limit: limit,
                           note: .period(used: used, room: room, limit: limit.amount, digits: plan.currency.minorUnits))
                }
            } else {
                let live = decisions.indices.filter { counts($0) }
                let total = live.reduce(Int64(0)) { $0 + decisions[$1].amount }
                guard total > limit.amount else { continue }
                let parts = LargestRemainder.split(limit.amount, proportionalTo: live.map { decisions[$0].amount }, priority: Array(live.indices))
                for (position, index) in live.enumerated() where parts[position] < decisions[index].amount {
                    reduce(&decisions[index], to: parts[position], limit: limit,
                           note: .order(total: total, limit: limit.amount, digits: plan.currency.minorUnits))
                }
            }
        }
    }

    /// The number of the period of `months` months a local date falls in, counted from
    /// January of year 0: what a per-referrer limit counts by.
    static func period(of date: CivilDate, months: Int) -> Int { (date.year * 12 + date.month - 1) / months }

    func reduce(_ decision: inout Decision, to after: Int64, limit: PlannedLimit, note: AdjustmentTrace.Note) {
        decision.trace.adjustments.append(AdjustmentTrace(kind: "cap", rule: limit.text, before: decision.amount, after: after, facts: note))
        decision.amount = after
        if after == 0 {
            decision.status = .capped
            decision.reason = limit.text
        }
    }
}
