import TallyLedgers
import TallyPlan
import TallyValues

extension Runner {
    /// Corrections never rewrite a closed month. For every decision, what is owed in
    /// closed months now (its amount when it is payable in a closed month, else nothing)
    /// is compared with what closed periods paid for it; a difference is a `correction`
    /// record in the first open month, with its cause. A decision payable in an open month
    /// counts there as usual, and anything paid for it earlier is corrected away.
    mutating func correct(_ decision: inout Decision) {
        guard let books = closed else { return }
        let month = decision.status == .payable ? decision.payableOn.map(CalendarMonth.init) : nil
        let owed = month.map { $0 <= books.through } == true ? decision.amount : 0
        guard let (earlier, difference) = unpaid(decision.id, owed: owed) else { return }
        let cause: String
        let words: String
        let rulesChanged = books.rulesVersion != plan.rulesVersion
        if let earlier {
            cause = rulesChanged ? "rule change" : "changed data"
            let now = month.map { $0 > books.through } == true
                ? "it is now payable in \(month!), an open month"
                : "the \(cause == "rule change" ? "rules" : "ledgers") now give \(money(owed))"
                    + (decision.status == .payable ? "" : " (\(decision.status.rawValue))")
            words = "\(cause): \(money(earlier.amount)) was paid in \(earlier.month); \(now)"
        } else if rulesChanged {
            cause = "rule change"
            words = "rule change: \(decision.order) is payable on \(decision.payableOn!), in \(month!), which was closed with nothing paid for it; the rules now give \(money(owed))"
        } else if books.ordersPaid.contains(decision.order) {
            cause = "changed data"
            words = "changed data: \(decision.order) was paid to another referrer when \(month!) closed; the ledgers now credit \(decision.referrer) with \(money(owed))"
        } else {
            cause = "late order"
            words = "late order: \(decision.order) is payable on \(decision.payableOn!), in \(month!), which was closed before the order was known"
        }
        decision.trace.adjustments.append(AdjustmentTrace(
            kind: "correction", rule: cause, before: earlier?.amount ?? 0, after: owed,
            note: "\(words): \(money(difference)) booked in \(books.openMonth) as \(correctionID(decision.id))"))
        book(correctionOf: decision.id, decision: decision.id, order: decision.order, referrer: decision.referrer,
             difference: difference, cause: cause, reason: words,
             arithmetic: "\(money(owed)) owed in closed months − \(money(earlier?.amount ?? 0)) paid = \(money(difference))")
    }

    /// The same comparison for refund and tier adjustments, then for whatever closed
    /// periods paid that this run no longer produces. Runs after refunds.
    mutating func correctAdjustments() {
        guard let books = closed else { return }
        for record in result.adjustments where record.kind != .correction {
            let owed = record.month <= books.through ? record.amount : 0
            guard let (earlier, difference) = unpaid(record.id, owed: owed) else { continue }
            let cause: String
            let words: String
            if let earlier {
                cause = books.rulesVersion != plan.rulesVersion ? "rule change" : (record.kind == .tierAdjustment ? "changed data" : "refund")
                words = "\(cause): \(money(earlier.amount)) was booked in \(earlier.month); "
                    + (record.month > books.through ? "it now counts in \(record.month), an open month" : "it is now \(money(owed))")
            } else if record.kind == .tierAdjustment {
                cause = "late order"
                words = "late order: the tier top-up \(record.id) counts in \(record.month), which was closed before it was decided"
            } else {
                cause = "refund"
                words = "refund: \(record.reason) on \(plan.clock.localDate(of: record.at)) counts in \(record.month), which was closed before the refund was known"
            }
            book(correctionOf: record.id, decision: record.decision, order: record.order, referrer: record.referrer,
                 difference: difference, cause: cause, reason: words,
                 arithmetic: "\(money(owed)) owed in closed months − \(money(earlier?.amount ?? 0)) booked = \(money(difference))")
        }
        for id in books.paid.keys.sorted() where !produced.contains(id) {
            let earlier = books.paid[id]!
            guard earlier.amount != 0 else { continue }
            let why = books.rulesVersion == plan.rulesVersion ? "the ledgers changed" : "the rules changed"
            // Booked by referrer id: one no longer in the ledger still owes back what was paid.
            book(correctionOf: id, decision: earlier.decision, order: earlier.order, referrer: earlier.referrer,
                 difference: -earlier.amount, cause: "no longer stands",
                 reason: "no longer stands: \(money(earlier.amount)) was paid in \(earlier.month) for \(id), which this run no longer produces (\(why))",
                 arithmetic: "\(money(0)) now − \(money(earlier.amount)) paid = \(money(-earlier.amount))")
        }
    }

    /// What closed periods paid for a record and what they still owe for it (nil when
    /// nothing), marking the record as produced by this run when closed periods paid for
    /// it (only those are looked for in `produced`: putting every decision's id in it was
    /// 1.6 s of the runner's core on the reference kit's large data, one quarter closed).
    private mutating func unpaid(_ id: String, owed: Int64) -> (earlier: PaidItem?, difference: Int64)? {
        let earlier = closed?.paid[id]
        if earlier != nil { produced.insert(id) }
        let difference = owed - (earlier?.amount ?? 0)
        return difference == 0 ? nil : (earlier, difference)
    }

    func correctionID(_ id: String) -> String { "\(id)/correction:\(closed!.openMonth)" }

    private mutating func book(correctionOf id: String, decision: String, order: String, referrer: String,
                               difference: Int64, cause: String, reason: String, arithmetic: String) {
        let books = closed!
        result.adjustments.append(AdjustmentRecord(
            id: correctionID(id), kind: .correction, decision: decision, order: order, referrer: referrer,
            at: plan.clock.startOfDay(books.openMonth.firstDay), month: books.openMonth,
            amount: difference, reason: reason, arithmetic: arithmetic, corrects: id, cause: cause))
    }
}
