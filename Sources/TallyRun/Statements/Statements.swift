import TallyPlan
import TallyValues

/// Statements per referrer per month, up to the as-of month: carried in, earned (by
/// payable-on month), reductions, clawbacks, corrections, paid (when the balance reaches
/// the minimum payout, inclusive) and carried out (negative balances offset later
/// earnings). Closed months are the rows their close recorded, never recomputed; open
/// months start from the carry of the last closed one.
enum Statements {
    static func build(plan: Plan, result: RunResult, asOf: Timestamp, closed: ClosedBooks? = nil) -> [StatementRow] {
        let through = closed?.through
        func isOpen(_ month: CalendarMonth) -> Bool { through.map { month > $0 } ?? true }
        var lastMonth = CalendarMonth(plan.clock.localDate(of: asOf))
        if let closed, result.adjustments.contains(where: { $0.kind == .correction }) { lastMonth = max(lastMonth, closed.openMonth) }
        struct Totals {
            var earned: Int64 = 0, reductions: Int64 = 0, clawbacks: Int64 = 0, corrections: Int64 = 0
            var notes: [CorrectionNote] = []
        }
        var byReferrer: [String: [CalendarMonth: Totals]] = [:]
        result.decisions.forEachInPlace { decision in
            guard decision.pointee.status == .payable, let date = decision.pointee.payableOn, isOpen(CalendarMonth(date)) else { return }
            byReferrer[decision.pointee.referrer, default: [:]][CalendarMonth(date), default: Totals()].earned += decision.pointee.amount
        }
        for record in result.adjustments where record.month <= lastMonth && isOpen(record.month) {
            switch record.kind {
            case .reduction: byReferrer[record.referrer, default: [:]][record.month, default: Totals()].reductions += record.amount
            case .clawback: byReferrer[record.referrer, default: [:]][record.month, default: Totals()].clawbacks += record.amount
            case .tierAdjustment: byReferrer[record.referrer, default: [:]][record.month, default: Totals()].earned += record.amount
            case .correction:
                byReferrer[record.referrer, default: [:]][record.month, default: Totals()].corrections += record.amount
                byReferrer[record.referrer, default: [:]][record.month, default: Totals()].notes.append(
                    CorrectionNote(corrects: record.corrects ?? record.decision, amount: record.amount, reason: record.reason))
            }
        }
        // A referrer's balance carried out of the last closed month continues in the open ones.
        var carriedFromClosed: [String: Int64] = [:]
        for row in closed?.statements ?? [] { carriedFromClosed[row.referrer] = row.carriedOut }
        for referrer in carriedFromClosed.keys where byReferrer[referrer] == nil { byReferrer[referrer] = [:] }
        var rows = closed?.statements ?? []
        for referrer in byReferrer.keys {
            let months = byReferrer[referrer]!
            guard var month = months.keys.min() ?? closed?.openMonth, month <= lastMonth else { continue }
            var carried: Int64 = 0
            if let closed, let fromClosed = carriedFromClosed[referrer] {
                carried = fromClosed
                month = closed.openMonth
            }
            while month <= lastMonth {
                let totals = months[month] ?? Totals()
                let balance = carried + totals.earned + totals.reductions + totals.clawbacks + totals.corrections
                let paid = balance > 0 && balance >= plan.payoutMinimum ? balance : 0
                rows.append(StatementRow(referrer: referrer, month: month, carriedIn: carried, earned: totals.earned,
                                         reductions: totals.reductions, clawbacks: totals.clawbacks, corrections: totals.corrections,
                                         paid: paid, carriedOut: balance - paid, notes: totals.notes))
                carried = balance - paid
                month = month.adding(months: 1)
            }
        }
        return rows.sorted { ($0.referrer, $0.month) < ($1.referrer, $1.month) }
    }
}
