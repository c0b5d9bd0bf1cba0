import TallyLedgers
import TallyPlan
import TallyValues

extension Runner {
    /// Refunds in time order: each claws back `round(amount × refunded so far / order
    /// net) − already clawed` from every decision of the order (cumulative, so parts add
    /// up exactly). Before payable-on it is a `reduction` in the decision's statement
    /// month; from payable-on on, a `clawback` in the refund's local month. Zero writes nothing.
    mutating func applyRefunds() {
        var refunded: [String: Int64] = [:]
        // By the decision's place in the result: keyed by its id, a string made and hashed
        // twice for every clawback. (This runs on one core at the end of the run, the other
        // idle: 0.19 s on the reference kit's large data, a third of it page faults and
        // copies of the adjustments growing one by one.) Both tables sized once: grown
        // from empty, they were rehashed again and again (a sixth of the rest).
        var clawed: [Int: Int64] = [:]
        refunded.reserveCapacity(ledgers.refunds.count)
        clawed.reserveCapacity(ledgers.refunds.count)
        var clampWarned = Set<String>()
        result.adjustments.reserveCapacity(result.adjustments.count + ledgers.refunds.count)
        for refund in ledgers.refunds {
            if refund.at > asOf {
                result.refundsAfterAsOf += 1
                continue
            }
            guard let booked = decided[refund.order] else {
                continue  // cancelled, unattributed or after the as-of instant: nothing to claw back
            }
            let net = (net: booked.net, currency: booked.currency)
            let positions = booked.positions
            let total = (refunded[refund.order] ?? 0) + refund.amount
            refunded[refund.order] = total
            var clamped = total
            if total > net.net {
                clamped = net.net
                if clampWarned.insert(refund.order).inserted {
                    result.warnings.append("refunds of order \(refund.order) add up to \(Value.moneyText(total, digits: net.currency.minorUnits)) \(net.currency.code), more than its net \(Value.moneyText(net.net, digits: net.currency.minorUnits)); counted as the net")
                }
            }
            guard plan.clawback, net.net > 0 else { continue }
            for position in positions {
                guard result.decisions[position].amount != 0 else { continue }
                // The fields read where they lie: a copy of the decision retained its
                // trace and every string it holds.
                let decision = result.decisions[position].refundFacts
                let target = (Fraction(decision.amount) * Fraction(Int128(clamped), Int128(net.net))).roundedHalfEven
                let before = clawed[position] ?? 0
                let delta = target - before
                guard delta != 0 else { continue }
                clawed[position] = target
                let payableInstant = decision.payableOn.map { plan.clock.startOfDay($0) }
                let isReduction = payableInstant.map { refund.at < $0 } ?? true
                let month = isReduction
                    ? CalendarMonth(decision.payableOn ?? decision.orderDate)
                    : CalendarMonth(plan.clock.localDate(of: refund.at))
                let digits = net.currency.minorUnits
                result.adjustments.append(AdjustmentRecord(
                    id: "\(decision.id)/refund:\(refund.id)", kind: isReduction ? .reduction : .clawback, decision: decision.id,
                    order: decision.order, referrer: decision.referrer, at: refund.at, month: month,
                    amount: -delta,
                    reason: isReduction ? "refund \(refund.id) before the decision is payable" : "refund \(refund.id) after the decision was payable",
                    arithmetic: "round(\(money(decision.amount)) × \(Value.moneyText(clamped, digits: digits)) refunded / \(Value.moneyText(net.net, digits: digits)) net) = \(money(target)), \(money(before)) clawed before: \(money(-delta))"))
            }
        }
    }
}

/// What clawing back reads of a decision.
private struct RefundFacts {
    let order: String
    let referrer: String
    let amount: Int64
    let payableOn: CivilDate?
    let orderDate: CivilDate

    var id: String { Decision.id(order: order, referrer: referrer) }
}

private extension Decision {
    var refundFacts: RefundFacts {
        RefundFacts(order: order, referrer: referrer, amount: amount, payableOn: payableOn, orderDate: orderDate)
    }
}
