import TallyLedgers
import TallyPlan
import TallyValues

/// Statements per referrer per month, up to the as-of month: carried in, earned (by
/// payable-on month), reductions, clawbacks, paid (when the balance reaches the minimum
/// payout, inclusive) and carried out (negative balances offset later earnings).
enum Statements {
    static func build(plan: Plan, result: RunResult, referrers: [Referrer], asOf: Timestamp) -> [StatementRow] {
        let lastMonth = CalendarMonth(plan.clock.localDate(of: asOf))
        struct Totals { var earned: Int64 = 0, reductions: Int64 = 0, clawbacks: Int64 = 0, corrections: Int64 = 0 }
        var byReferrer: [Int32: [CalendarMonth: Totals]] = [:]
        for decision in result.decisions where decision.status == .payable {
            guard let date = decision.payableOn else { continue }
            byReferrer[decision.referrerIndex, default: [:]][CalendarMonth(date), default: Totals()].earned += decision.amount
        }
        for record in result.adjustments where record.month <= lastMonth {
            switch record.kind {
            case .reduction: byReferrer[record.referrerIndex, default: [:]][record.month, default: Totals()].reductions += record.amount
            case .clawback: byReferrer[record.referrerIndex, default: [:]][record.month, default: Totals()].clawbacks += record.amount
            case .tierAdjustment: byReferrer[record.referrerIndex, default: [:]][record.month, default: Totals()].earned += record.amount
            case .correction: byReferrer[record.referrerIndex, default: [:]][record.month, default: Totals()].corrections += record.amount
            }
        }
        var rows: [StatementRow] = []
        for referrer in byReferrer.keys.sorted(by: { referrers[Int($0)].id < referrers[Int($1)].id }) {
            let months = byReferrer[referrer]!
            guard var month = months.keys.min(), month <= lastMonth else { continue }
            var carried: Int64 = 0
            while month <= lastMonth {
                let totals = months[month] ?? Totals()
                let balance = carried + totals.earned + totals.reductions + totals.clawbacks + totals.corrections
                let paid = balance > 0 && balance >= plan.payoutMinimum ? balance : 0
                rows.append(StatementRow(referrer: referrers[Int(referrer)].id, month: month, carriedIn: carried, earned: totals.earned,
                                         reductions: totals.reductions, clawbacks: totals.clawbacks, corrections: totals.corrections,
                                         paid: paid, carriedOut: balance - paid))
                carried = balance - paid
                month = month.adding(months: 1)
            }
        }
        return rows
    }
}
