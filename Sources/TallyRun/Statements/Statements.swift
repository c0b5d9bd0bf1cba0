import TallyPlan
import TallyValues

/// Statements per referrer per month, up to the as-of month: carried in, earned (by
/// payable-on month), reductions, clawbacks, corrections, paid (when the balance reaches
/// the minimum payout, inclusive) and carried out (negative balances offset later
/// earnings). Closed months are the rows their close recorded, never recomputed; open
/// months start from the carry of the last closed one.
enum Statements {
    /// Earnings of payable decisions by referrer and payable-on month, in open months: what
    /// statements read of the decisions, summed apart so that it can be done while refunds
    /// are clawed back (both read the decisions, neither changes them; on one core after
    /// the refunds, the other idle, it was 0.1-0.2 s of the reference kit's large data).
    struct Earnings: Sendable {
        /// By referrer index and month (`index << 24 | year << 4 | month`).
        fileprivate var byIndex: [Int: Int64] = [:]
        /// The referrer id first seen with each index (nil: none seen), by index: a
        /// dictionary here was a second hash a decision.
        fileprivate var names: [String?] = []
        /// Decisions whose referrer id is not the one first seen with their index, or
        /// whose year is out of the key's range, by id and month.
        fileprivate var byName: [String: [CalendarMonth: Int64]] = [:]
    }

    /// The earnings of `decisions` (see `Earnings`). Summed by referrer index and month
    /// first, then by name: hashing each decision's referrer id and month into the nested
    /// tables took 0.35 s of the reference kit's million decisions.
    static func earnings(of decisions: [Decision], closed: ClosedBooks?) -> Earnings {
        var earnings = Earnings()
        decisions.forEachInPlace { decision in
            guard decision.pointee.status == .payable, let date = decision.pointee.payableOn else { return }
            let month = CalendarMonth(date)
            guard isOpen(month, closed: closed) else { return }
            let index = decision.pointee.referrerIndex, referrer = decision.pointee.referrer
            func byName() { earnings.byName[referrer, default: [:]][month, default: 0] += decision.pointee.amount }
            guard (0..<(1 << 20)).contains(month.year), index >= 0 else { return byName() }
            let slot = Int(index)
            if slot >= earnings.names.count { earnings.names.append(contentsOf: repeatElement(nil, count: slot + 1 - earnings.names.count)) }
            if let name = earnings.names[slot] {
                guard name == referrer else { return byName() }
            } else {
                earnings.names[slot] = referrer
            }
            earnings.byIndex[Int(index) << 24 | month.year << 4 | month.month, default: 0] += decision.pointee.amount
        }
        return earnings
    }

    /// Whether `month` is after the last closed one (all are, with no books closed).
    private static func isOpen(_ month: CalendarMonth, closed: ClosedBooks?) -> Bool {
        closed.map { month > $0.through } ?? true
    }

    /// The statements of `result`, with the earnings of its decisions when they were
    /// summed already (see `earnings(of:closed:)`).
    static func build(plan: Plan, result: RunResult, asOf: Timestamp, closed: ClosedBooks? = nil, earnings: Earnings? = nil) -> [StatementRow] {
        var lastMonth = CalendarMonth(plan.clock.localDate(of: asOf))
        if let closed, result.adjustments.contains(where: { $0.kind == .correction }) { lastMonth = max(lastMonth, closed.openMonth) }
        struct Totals {
            var earned: Int64 = 0, reductions: Int64 = 0, clawbacks: Int64 = 0, corrections: Int64 = 0
            var notes: [CorrectionNote] = []
        }
        var byReferrer: [String: [CalendarMonth: Totals]] = [:]
        let earnings = earnings ?? Statements.earnings(of: result.decisions, closed: closed)
        for (referrer, months) in earnings.byName {
            for (month, amount) in months { byReferrer[referrer, default: [:]][month, default: Totals()].earned += amount }
        }
        for (key, amount) in earnings.byIndex {
            let month = CalendarMonth(year: (key & 0xFF_FFFF) >> 4, month: key & 0xF)
            byReferrer[earnings.names[key >> 24]!, default: [:]][month, default: Totals()].earned += amount
        }
        for record in result.adjustments where record.month <= lastMonth && isOpen(record.month, closed: closed) {
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
        // Sized once and sorted in place: grown by doubling and copied to sort, the rows
        // (a quarter of a million on the reference kit's large data) were written three
        // times into memory never touched before, two thirds of building them.
        func ordinal(_ month: CalendarMonth) -> Int { month.year * 12 + month.month }
        rows.reserveCapacity(rows.count + byReferrer.values.reduce(0) { total, months in
            let first = closed?.openMonth ?? months.keys.min() ?? lastMonth
            return total + max(0, ordinal(lastMonth) - ordinal(min(first, months.keys.min() ?? first)) + 1)
        })
        // Referrers in order, each's months in order: the rows come out sorted, unless
        // closed months' rows were taken in first (sorting 140,000 rows by referrer text
        // and month was a third of building them on the reference kit's large data).
        let closedRows = rows.count
        for referrer in byReferrer.keys.sorted() {
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
        if closedRows > 0 { rows.sort { ($0.referrer, $0.month) < ($1.referrer, $1.month) } }
        return rows
    }
}
