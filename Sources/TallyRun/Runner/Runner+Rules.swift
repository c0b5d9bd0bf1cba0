import TallyLedgers
import TallyPlan
import TallyValues

struct TierKey: Hashable {
    var tiers: Int
    var referrer: Int32
    var period: Int
}

/// A referrer's progress through one tiers declaration in one period.
struct TierProgress {
    var revenue: Int64 = 0
    var orders: Int64 = 0
    var customers = Set<String>()
    /// Trailing windows: (instant, credited net) inside the window.
    var recent: [(at: Int64, net: Int64)] = []
    /// Retroactive tiers: what each earlier decision was paid, to top it up.
    var paid: [(decision: String, base: Int64, band: Int, amount: Int64)] = []
    var band = 0
}

/// Per rule, while one decision's rules are evaluated: whether it matched, its amount,
/// where its trace entry is (-1: none) and the rule that replaced it (-1: none).
struct RuleScratch {
    var matched: [Bool] = []
    var amount: [Int64] = []
    var traceOf: [Int] = []
    var replacedBy: [Int] = []

    mutating func reset(rules: Int) {
        if matched.count != rules {
            self = RuleScratch(matched: Array(repeating: false, count: rules), amount: Array(repeating: 0, count: rules),
                               traceOf: Array(repeating: -1, count: rules), replacedBy: Array(repeating: -1, count: rules))
            return
        }
        for index in 0..<rules {
            matched[index] = false
            amount[index] = 0
            traceOf[index] = -1
            replacedBy[index] = -1
        }
    }
}

/// A tiers metric before and after the current decision.
struct TierReading {
    var before: Int64
    var after: Int64
    var key: TierKey
}

extension Runner {
    /// Evaluates every rule for one decision: effective window, conditions, payments,
    /// then `replaces`. Returns the paid lines; a trace entry for every rule goes into
    /// `traces` (empty: the decision's own, with the room of an emptied trace's, see
    /// `TraceRecycler`). `decision` makes the decision's id, read only by retroactive tiers.
    mutating func evaluateRules(_ scope: inout Scope, decision: () -> String, traces: inout [RuleTrace]) -> [RuleLine] {
        guard let referrer = scope.referrer, scope.order != nil, let credit = scope.credit else { return [] }
        // The order's view and the plan's rules are read in place: binding them (`let
        // order = scope.order`, `for rule in plan.rules`) copied each for every decision,
        // retaining every string and array they hold.
        let at = scope.order!.at
        let readings = plan.tiers.isEmpty ? [:]
            : advanceTiers(referrer: referrer, order: scope.order!, credit: credit, customer: scope.customer?.id ?? "")
        let kind = rulesFor(referrer: referrer)
        traces.reserveCapacity(plan.rules.count)
        // `full` traces every rule; `decisive` only those that matched; `none` none.
        let full = traceDetail == .full, traced = traceDetail != .none
        // By rule index: whether each rule matched, its amount and its trace's place.
        // (Flat arrays, reused from decision to decision: taken out of the runner while
        // in use. An array of optional tuples looked its type up at run time on every
        // call, and four arrays per decision were a twentieth of evaluating it.)
        var scratch = ruleScratch
        ruleScratch = RuleScratch()
        scratch.reset(rules: plan.rules.count)
        defer { ruleScratch = scratch }
        var matchedCount = 0
        let rules = plan.rules
        // Each trace is made where it is appended, as a temporary the array takes over: a
        // local trace appended was copied and then let go of (retaining and releasing
        // what it holds), a seventh of evaluating the rules on the reference kit's data.
        func trace(_ index: Int, _ outcome: RuleTrace.Outcome, failed: String? = nil, label: String? = nil, saw: SawFacts = .none,
                   amount: Int64? = nil, payment: PaymentFacts = .none) -> RuleTrace {
            RuleTrace(names: ruleNames[index], ruleIndex: Int32(index), outcome: outcome, failed: failed, label: label, sawFacts: saw,
                      replacedBy: nil, amount: amount, paymentFacts: payment)
        }
        for index in rules.indices {
            if !kind.candidates[index] {
                guard full else { continue }
                traces.append(trace(index, .notMatched, failed: kindConditionTexts[index], saw: .one("referrer.kind", kind.text)))
                continue
            }
            if (rules[index].effectiveFrom.map { at < $0 } ?? false) || (rules[index].effectiveUntil.map { at >= $0 } ?? false) {
                guard full else { continue }
                traces.append(trace(index, .notEffective, failed: "effective \(rules[index].effectiveText ?? "")",
                                    saw: .one("order.at", Value.timestampText(at))))
                continue
            }
            let conditions = rules[index].conditions
            if let place = conditions.indices.first(where: { !interpreter.evaluate(conditions[$0].code, scope).isTrueValue }) {
                if full {
                    traces.append(trace(index, .notMatched, failed: conditions[place].text, label: conditions[place].label,
                                        saw: TraceValues.facts(conditions[place].code, scope, interpreter: interpreter)))
                }
                continue
            }
            var total: Int64 = 0
            var arithmetic = PaymentFacts.none
            let payments = rules[index].payments
            for place in payments.indices {
                let (amount, facts) = pay(payments[place], &scope, rule: index, place: place, decision: decision, readings: readings)
                total += amount
                if traced { arithmetic.append(facts) }
            }
            scratch.matched[index] = true
            scratch.amount[index] = total
            matchedCount += 1
            guard traced else { continue }
            scratch.traceOf[index] = traces.count
            traces.append(trace(index, .paid, amount: total, payment: arithmetic))
        }
        guard matchedCount > 0 else { return [] }
        // `replaces`: a matching rule drops the rules it names (not transitively).
        for index in plan.rules.indices where scratch.matched[index] {
            for target in plan.rules[index].replaces where scratch.matched[target] && scratch.replacedBy[target] < 0 {
                scratch.replacedBy[target] = index
            }
        }
        // Room for every matched rule at once (grown by appending, two lines took two
        // allocations: 43,000 more on the reference kit's medium data).
        var lines: [RuleLine] = []
        lines.reserveCapacity(matchedCount)
        for index in plan.rules.indices where scratch.matched[index] {
            if scratch.replacedBy[index] >= 0 {
                let place = scratch.traceOf[index]
                if traced, place >= 0 {
                    traces[place].outcome = .replaced
                    traces[place].replacedBy = plan.rules[scratch.replacedBy[index]].id
                }
                continue
            }
            lines.append(RuleLine(rule: plan.rules[index].id, amount: scratch.amount[index]))
        }
        if !pendingTierPayments.isEmpty {
            let survivors = Set(plan.rules.indices.filter { scratch.matched[$0] && scratch.replacedBy[$0] < 0 })
            commitRetroactiveTiers(survivors: survivors, order: scope.order!)
        }
        return lines
    }

    /// The rules `referrer`'s kind can match, by rule index, and the kind as a trace shows
    /// it: worked out once per kind, not for every decision, and kept by referrer index.
    mutating func rulesFor(referrer index: Int32) -> KindRules {
        let slot = Int(index)
        if let known = referrerKindRules[slot] { return known }
        let rules = rulesFor(kind: ledgers.referrers[slot].kind)
        referrerKindRules[slot] = rules
        return rules
    }

    /// The rules a referrer kind can match (see `rulesFor(referrer:)`).
    mutating func rulesFor(kind: String) -> KindRules {
        if let known = kindRules[kind] { return known }
        var candidates = Array(repeating: false, count: plan.rules.count)
        for index in (plan.rulesByKind[kind] ?? []) + plan.rulesForAnyKind { candidates[index] = true }
        let rules = KindRules(candidates: candidates, text: Value.string(kind).description)
        kindRules[kind] = rules
        return rules
    }

    /// One pay clause's amount and its arithmetic (empty words without a trace).
    /// `place`: the clause's place among the rule's payments.
    mutating func pay(_ payment: PlannedPayment, _ scope: inout Scope, rule: Int, place: Int, decision: () -> String,
                      readings: [Int: TierReading]) -> (Int64, PaymentArithmetic) {
        guard let credit = scope.credit else { return (0, .words("")) }
        // Without a trace the arithmetic is never read: no words are built.
        let explain = traceDetail != .none
        let share = credit.share
        let whole = share.numerator == share.denominator
        let shareText = whole || !explain ? "" : " × share \(AttributionText.share(share))"
        if let per = payment.per {
            var total = Fraction(0)
            var count = 0
            let lines = scope.order.map(interpreter.lines(of:)) ?? []
            for line in lines {
                scope.line = line
                if let filter = payment.filter, !interpreter.evaluate(filter, scope).isTrueValue { continue }
                count += 1
                let units = per == .unit ? line.line.quantity : 1
                switch payment.amount {
                case .fixed(let code):
                    if case .money(let amount) = interpreter.evaluate(code, scope) { total = total + Fraction(Int128(amount) * Int128(units)) }
                case .rate(let rate, let base):
                    guard case .money(let amount) = interpreter.evaluate(base, scope),
                          let points = rememberedRatePoints(rate, scope, readings, rule: rule, place: place)
                    else { continue }
                    total = total + Fraction(Int128(amount) * Int128(units)) * points.fraction * Fraction(1, 100)
                }
            }
            scope.line = nil
            let amount = (total * share).roundedHalfEven
            let sum = explain ? money(Fraction(total.numerator, total.denominator)) : ""
            return (amount, .words(explain ? "\(payment.text): \(count) line\(count == 1 ? "" : "s") matched, \(sum)" + (whole ? "" : "\(shareText) = \(money(amount))") : ""))
        }
        switch payment.amount {
        case .fixed(let code):
            guard case .money(let value) = interpreter.evaluate(code, scope) else { return (0, .words("\(payment.text): no amount")) }
            // A whole credit (nearly every one) pays the amount as it is, in words the
            // renderer makes (see `PaymentArithmetic`).
            let amount = whole ? value : (Fraction(value) * share).roundedHalfEven
            guard explain else { return (amount, .words("")) }
            if whole { return (amount, .fixed(payment: payment.text, amount: value, digits: plan.currency.minorUnits)) }
            return (amount, .words("\(payment.text): \(money(value))\(shareText) = \(money(amount))"))
        case .rate(.tiers(let index), let base):
            guard case .money(let value) = interpreter.evaluate(base, scope), let reading = readings[index] else { return (0, .words("\(payment.text): no base")) }
            let (amount, words) = tierAmount(index, base: value, reading: reading, text: payment.text, decision: decision(), rule: rule)
            return (amount, .words(words))
        case .rate(let rate, let base):
            guard case .money(let value) = interpreter.evaluate(base, scope) else { return (0, .words("\(payment.text): no base")) }
            guard let points = rememberedRatePoints(rate, scope, readings, rule: rule, place: place) else {
                return (0, .words("\(payment.text): no rate for this referrer (0.00)"))
            }
            let amount = Interpreter.percentOf(value, points)
            guard explain else { return (amount, .words("")) }
            // Facts: the renderer words them (see `PaymentArithmetic`).
            return (amount, .rate(payment: payment.text, points: points, base: value, amount: amount, digits: plan.currency.minorUnits))
        }
    }

    func money(_ fraction: Fraction) -> String {
        let cents = fraction.roundedHalfEven
        let exact = Fraction(Int128(cents)) == fraction.reduced
        return (exact ? "" : "≈") + money(cents)
    }

    /// `ratePoints`, remembered per referrer for a clause whose rate reads nothing but the
    /// referrer (see `ReferrerRates`).
    mutating func rememberedRatePoints(_ rate: PlannedPayment.Rate, _ scope: Scope, _ readings: [Int: TierReading],
                                       rule: Int, place: Int) -> ExactDecimal? {
        if let known = referrerRates.remembered(rule: rule, payment: place, referrer: scope.referrer) { return known }
        let points = ratePoints(rate, scope, readings)
        referrerRates.remember(points, rule: rule, payment: place, referrer: scope.referrer)
        return points
    }

    /// The percent points of a rate, or nil when it has none (a missing table cell or column).
    func ratePoints(_ rate: PlannedPayment.Rate, _ scope: Scope, _ readings: [Int: TierReading]) -> ExactDecimal? {
        switch rate {
        case .code(let code):
            if case .percent(let points) = interpreter.evaluate(code, scope) { return points }
            return nil
        case .tiers(let index):
            guard let reading = readings[index] else { return nil }
            return plan.tiers[index].bands[band(of: reading.after, in: plan.tiers[index])].rate
        }
    }

    func band(of metric: Int64, in tiers: PlannedTiers) -> Int {
        var found = 0
        for (index, band) in tiers.bands.enumerated() where metric >= band.threshold { found = index }
        return found
    }

    /// Moves each tiers metric forward by this decision; returns the readings before and after.
    mutating func advanceTiers(referrer: Int32, order: OrderView, credit: CreditView, customer: String) -> [Int: TierReading] {
        var readings: [Int: TierReading] = [:]
        for (index, tiers) in plan.tiers.enumerated() {
            let period: Int
            switch tiers.period {
            case .months(let months):
                period = (order.localDate.year * 12 + order.localDate.month - 1) / months
            case .trailing:
                period = 0
            }
            let key = TierKey(tiers: index, referrer: referrer, period: period)
            var progress = tierState[key] ?? TierProgress()
            let at = order.at.secondsSinceEpoch
            if case .trailing(let window) = tiers.period {
                progress.recent.removeAll { $0.at < at - window }
                progress.revenue = progress.recent.reduce(0) { $0 + $1.net }
                progress.orders = Int64(progress.recent.count)
            }
            let before: Int64
            switch tiers.metric {
            case .revenue: before = progress.revenue
            case .orders: before = progress.orders
            case .customers: before = Int64(progress.customers.count)
            }
            progress.revenue += credit.net
            progress.orders += 1
            progress.customers.insert(customer)
            progress.recent.append((at, credit.net))
            let after: Int64
            switch tiers.metric {
            case .revenue: after = progress.revenue
            case .orders: after = progress.orders
            case .customers: after = Int64(progress.customers.count)
            }
            tierState[key] = progress
            readings[index] = TierReading(before: before, after: after, key: key)
        }
        return readings
    }

    /// A tiers payment: marginal splits the base across bands from the running total;
    /// retroactive pays the band reached so far (a threshold is inside the higher band).
    mutating func tierAmount(_ index: Int, base: Int64, reading: TierReading, text: String, decision: String, rule: Int) -> (Int64, String) {
        let tiers = plan.tiers[index]
        switch tiers.mode {
        case .marginal:
            var total = Fraction(0)
            var parts: [String] = []
            let start = reading.before
            let end = start + base
            for (position, band) in tiers.bands.enumerated() {
                let low = max(start, band.threshold)
                let high = position + 1 < tiers.bands.count ? min(end, tiers.bands[position + 1].threshold) : end
                guard high > low else { continue }
                total = total + Fraction(high - low) * band.rate.fraction * Fraction(1, 100)
                parts.append("\(band.rate.normalized)% × \(money(high - low))")
            }
            let amount = total.roundedHalfEven
            return (amount, "\(text): marginal from \(money(start)) this period: " + (parts.isEmpty ? "0" : parts.joined(separator: " + ")) + " = \(money(amount))")
        case .retroactive:
            let reached = band(of: reading.after, in: tiers)
            let rate = tiers.bands[reached].rate
            let amount = Interpreter.percentOf(base, rate)
            pendingTierPayments.append((index, rule, reading.key, decision, base, reached, amount))
            return (amount, "\(text): band \(reached + 1) (\(tiers.metric.rawValue) \(tiers.metric == .revenue ? money(reading.after) : String(reading.after)) this period) pays \(rate.normalized)% × \(money(base)) = \(money(amount))")
        }
    }

    /// After the rules of a decision: retroactive tiers that moved up a band top up the
    /// period's earlier decisions with `tier_adjustment` records.
    mutating func commitRetroactiveTiers(survivors: Set<Int>, order: OrderView) {
        defer { pendingTierPayments.removeAll() }
        // Only payments of rules that survived `replaces` count.
        for payment in pendingTierPayments where survivors.contains(payment.rule) {
            var progress = tierState[payment.key] ?? TierProgress()
            let tiers = plan.tiers[payment.tiers]
            if payment.band > progress.band {
                let rate = tiers.bands[payment.band].rate
                let payableMonth = CalendarMonth(order.localDate.adding(days: plan.holdDays ?? 0))
                for (position, earlier) in progress.paid.enumerated() where earlier.band < payment.band {
                    let target = Interpreter.percentOf(earlier.base, rate)
                    let topUp = target - earlier.amount
                    progress.paid[position].band = payment.band
                    progress.paid[position].amount = target
                    guard topUp != 0 else { continue }
                    let referrer = ledgers.referrers[Int(payment.key.referrer)]
                    result.adjustments.append(AdjustmentRecord(
                        id: "\(earlier.decision)/tier:\(tiers.name):\(payment.band + 1)", kind: .tierAdjustment, decision: earlier.decision,
                        order: String(earlier.decision.split(separator: "/").first ?? ""), referrer: referrer.id,
                        at: order.at, month: payableMonth, amount: topUp,
                        reason: "tiers `\(tiers.name)` reached band \(payment.band + 1) (\(rate.normalized)%) with order \(ledgers.orders[order.position].id)",
                        arithmetic: "\(rate.normalized)% × \(money(earlier.base)) = \(money(target)), paid \(money(earlier.amount)): top-up \(money(topUp))"))
                }
                progress.band = payment.band
            }
            progress.paid.append((payment.decision, payment.base, payment.band, payment.amount))
            tierState[payment.key] = progress
        }
    }
}
