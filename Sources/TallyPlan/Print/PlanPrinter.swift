import TallyCheck
import TallyValues

/// `tally plan`: the compiled plan, stage by stage, like SQL EXPLAIN.
public enum PlanPrinter {
    public static func render(_ plan: Plan) -> String {
        var out = "plan for \"\(plan.name)\" (\(plan.currency.code), \(plan.clock.zone.identifier))\n"
        out += "rules version \(plan.rulesVersion)\n\n"
        out += "1. stream ledgers in (timestamp, order id) order; clicks merged by time into per-customer lookback windows\n"
        out += "2. evidence: " + plan.attribution.evidence.joined(separator: " > ") + " (only the strongest class present is used)\n"
        out += "3. touch screening (\(plan.touchChecks.count) check\(plan.touchChecks.count == 1 ? "" : "s"))\n"
        for check in plan.touchChecks {
            out += "     reject touch \"\(check.reason)\" [\(check.location)]\(check.readsOrder ? " per (order, touch)" : " per touch")\n"
            out += "       " + print(check.condition, plan) + "\n"
        }
        out += "4. attribution: " + modelText(plan.attribution.model) + ", lookback \(Value.duration(plan.attribution.lookbackSeconds)) inclusive; credit split by largest remainder\n"
        out += "5. order screening (\(plan.orderChecks.count) check\(plan.orderChecks.count == 1 ? "" : "s"))\n"
        for check in plan.orderChecks {
            out += "     \(check.action.rawValue) order \"\(check.reason)\" [\(check.location)]\(check.readsReferrer ? " per referrer" : " whole order")\n"
            out += "       " + print(check.condition, plan) + "\n"
        }
        out += "6. rules (\(plan.rules.count)); candidates by referrer.kind:\n"
        for kind in plan.rulesByKind.keys.sorted() {
            out += "     \(kind): " + (plan.rulesByKind[kind]! + plan.rulesForAnyKind).sorted().map { plan.rules[$0].id }.joined(separator: ", ") + "\n"
        }
        out += "     any other kind: " + plan.rulesForAnyKind.map { plan.rules[$0].id }.joined(separator: ", ") + "\n"
        for rule in plan.rules {
            out += "   rule \(rule.id) \"\(rule.title)\" [\(rule.location)]"
            if !rule.replaces.isEmpty { out += " replaces " + rule.replaces.map { plan.rules[$0].id }.joined(separator: ", ") }
            out += "\n"
            if let effective = rule.effectiveText {
                out += "       effective \(effective): " + (rule.effectiveFrom.map { "from \(Value.timestampText($0))" } ?? "")
                    + (rule.effectiveUntil.map { " until \(Value.timestampText($0))" } ?? "") + "\n"
            }
            for condition in rule.conditions {
                out += "       when " + print(condition.code, plan) + (condition.label.map { "  -- \($0)" } ?? "") + "\n"
            }
            for payment in rule.payments { out += "       " + paymentText(payment, plan) + "\n" }
        }
        out += "7. limits, in order\n"
        for limit in plan.limits { out += "     \(limit.text)\n" }
        if plan.limits.isEmpty { out += "     none\n" }
        out += "8. hold: " + (plan.holdDays.map { "\($0) days from the order's local date" } ?? "none") + "\n"
        out += "9. refunds: " + (plan.clawback ? "claw back in proportion, cumulative rounding" : "never clawed back") + "\n"
        out += "10. statements: monthly, minimum payout \(Value.moneyText(plan.payoutMinimum, digits: plan.currency.minorUnits)) \(plan.currency.code)\n"
        if !plan.aggregates.isEmpty {
            out += "\nindexes (windowed aggregates, kept incrementally):\n"
            for (index, spec) in plan.aggregates.enumerated() {
                out += "  #\(index) \(spec.events.rawValue) by \(spec.key), window \(Value.duration(spec.windowSeconds)): \(spec.function.rawValue)"
                    + (spec.field.map { " of \($0)" } ?? "") + "\n"
            }
        }
        if !plan.tables.isEmpty {
            out += "\ntables:\n"
            for table in plan.tables {
                out += "  \(table.name): \(table.rows.count) row\(table.rows.count == 1 ? "" : "s")" + (table.fallback.map { ", default \($0)" } ?? "") + "\n"
            }
        }
        if !plan.tiers.isEmpty {
            out += "\ntiers:\n"
            for tiers in plan.tiers {
                out += "  \(tiers.name): \(tiers.mode.rawValue) by \(tiers.metric.rawValue), bands " + tiers.bands.map { band in
                    (tiers.metric == .revenue ? Value.moneyText(band.threshold, digits: plan.currency.minorUnits) : String(band.threshold)) + " → \(band.rate.normalized)%"
                }.joined(separator: ", ") + "\n"
            }
        }
        return out
    }

    public static func modelText(_ model: AttributionSettings.Model) -> String {
        switch model {
        case .firstTouch: return "first_touch"
        case .lastTouch: return "last_touch"
        case .linear: return "linear"
        case .timeDecay(let halfLife): return "time_decay(half_life: \(Value.duration(halfLife)))"
        case .positionBased(let first, let last):
            return "position_based(first: \(ExactDecimal(significand: first, scale: 2).normalized)%, last: \(ExactDecimal(significand: last, scale: 2).normalized)%)"
        }
    }

    static func paymentText(_ payment: PlannedPayment, _ plan: Plan) -> String {
        var text: String
        switch payment.amount {
        case .fixed(let code): text = "pay " + print(code, plan)
        case .rate(.code(let code), let base): text = "pay " + print(code, plan) + " of " + print(base, plan)
        case .rate(.tiers(let index), let base): text = "pay tiers \(plan.tiers[index].name) of " + print(base, plan)
        }
        if let per = payment.per { text += " per \(per.rawValue)" }
        if let filter = payment.filter { text += " where " + print(filter, plan) }
        return text + "  (one rounding)"
    }

    /// Compiled code; `$` marks a slot, named as rule files write it.
    public static func print(_ code: Code, _ plan: Plan) -> String {
        switch code {
        case .constant(let value): return value.description
        case .field(let slot): return "$" + slotName(slot, plan)
        case .isNewWithin(let window): return "$customer.is_new(within: \(Value.duration(window)))"
        case .not(let inner): return "not(" + print(inner, plan) + ")"
        case .negate(let inner): return "-(" + print(inner, plan) + ")"
        case .and(let items): return "and(" + items.map { print($0, plan) }.joined(separator: ", ") + ")"
        case .or(let items): return "or(" + items.map { print($0, plan) }.joined(separator: ", ") + ")"
        case .compare(let op, let a, let b): return "(" + print(a, plan) + " \(op.rawValue) " + print(b, plan) + ")"
        case .arithmetic(let op, let a, let b): return "(" + print(a, plan) + " \(op.rawValue) " + print(b, plan) + ")"
        case .member(let a, let b, let negated): return "(" + print(a, plan) + (negated ? " not in " : " in ") + print(b, plan) + ")"
        case .call(let function, let items): return function.rawValue + "(" + items.map { print($0, plan) }.joined(separator: ", ") + ")"
        case .lookup(let index, let keys): return "table \(plan.tables[index].name)[" + keys.map { print($0, plan) }.joined(separator: ", ") + "]"
        case .aggregate(let index, let key): return "index #\(index)[" + print(key, plan) + "]"
        case .list(let items): return "[" + items.map { print($0, plan) }.joined(separator: ", ") + "]"
        case .labelled(let inner, let label): return print(inner, plan) + " -- \(label)"
        }
    }

    /// A slot's name as a rule file writes it (`order.net`).
    public static func slotName(_ slot: FieldSlot, _ plan: Plan) -> String {
        switch slot {
        case .order(let field): return "order.\(field.rawValue)"
        case .customer(let field): return "customer.\(field.rawValue)"
        case .orderCustomer(let field): return "order.customer.\(field.rawValue)"
        case .referrer(let field): return "referrer.\(field.rawValue)"
        case .touchReferrer(let field): return "touch.referrer.\(field.rawValue)"
        case .referrerExtra(let index): return "referrer.\(index < plan.referrerExtras.count ? plan.referrerExtras[index].name : "?")"
        case .touch(let field): return "touch.\(field.rawValue)"
        case .credit(let field): return "credit.\(field.rawValue)"
        case .line(let field): return "line.\(field.rawValue)"
        }
    }
}
