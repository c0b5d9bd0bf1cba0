
import TallyCheck
import TallySource
import TallySyntax
import TallyValues

/// Compiles a checked program into a `Plan`: every name to a slot, every literal to a
/// value, rules indexed by the referrer kinds they test, aggregates to index specs.
public struct PlanCompiler {
    let program: CheckedProgram
    let clock: ProgramClock
    var tableIndex: [String: Int] = [:]
    var tiersIndex: [String: Int] = [:]
    var aggregates: [AggregateSpec] = []

    /// Compiles `program`. The program has passed the checker, so names and types are known to be right.
    public static func compile(_ program: CheckedProgram, rulesVersion: String) -> Plan {
        let clock = ProgramClock(identifier: program.timezone)!
        var compiler = PlanCompiler(program: program, clock: clock)
        return compiler.run(rulesVersion: rulesVersion)
    }

    func location(_ span: Span) -> String {
        let at = span.location
        return "\(span.file.path.split(separator: "/").last.map(String.init) ?? span.file.path):\(at.line)"
    }

    mutating func run(rulesVersion: String) -> Plan {
        for (index, table) in program.tables.enumerated() { tableIndex[table.name.name] = index }
        for (index, tiers) in program.tiers.enumerated() { tiersIndex[tiers.name.name] = index }
        let tables = program.tables.map { compileTable($0) }
        let tiers = program.tiers.map(compileTiers)
        var touchChecks: [PlannedCheck] = []
        var orderChecks: [PlannedCheck] = []
        for check in program.fraudChecks {
            let code = compile(check.condition)
            let reads = code.reads
            let planned = PlannedCheck(
                action: check.action.name == "hold" ? .hold : .reject, reason: check.reason.value, condition: code,
                text: ExpressionPrinter.print(check.condition),
                readsOrder: reads.contains { if case .order = $0 { return true }; if case .orderCustomer = $0 { return true }; if case .customer = $0 { return true }; return false },
                readsReferrer: code.readsReferrer || mentionsReferrerAggregate(code),
                location: location(check.span))
            if check.subject.name == "touch" { touchChecks.append(planned) } else { orderChecks.append(planned) }
        }
        var ruleIndex: [String: Int] = [:]
        for (index, rule) in program.rules.enumerated() { ruleIndex[rule.id.name] = index }
        var rules: [PlannedRule] = []
        for rule in program.rules { rules.append(compileRule(rule, ruleIndex: ruleIndex)) }
        var byKind: [String: [Int]] = [:]
        var anyKind: [Int] = []
        for (index, rule) in rules.enumerated() {
            if let kinds = rule.kinds {
                for kind in kinds { byKind[kind, default: []].append(index) }
            } else {
                anyKind.append(index)
            }
        }
        let limits = program.limits.map { limit in
            PlannedLimit(amount: Constant.money(limit.amount, currency: program.currency) ?? 0,
                         months: limit.referrerPeriod.map { PlanCompiler.months($0.name) },
                         text: "limit \(ExpressionPrinter.print(limit.amount)) " + (limit.referrerPeriod.map { "per referrer per \($0.name)" } ?? "per order"))
        }
        return Plan(name: program.name, currency: program.currency, clock: clock, attribution: program.attribution,
                    referrerExtras: program.schema.referrerExtras.map { ($0.name, $0.type.description) },
                    touchChecks: touchChecks, orderChecks: orderChecks, rules: rules, rulesByKind: byKind,
                    rulesForAnyKind: anyKind, tables: tables, tiers: tiers, aggregates: aggregates, limits: limits,
                    holdDays: program.holdDays, clawback: program.clawbackProportionally,
                    payoutMinimum: program.payoutMinimum?.minorUnits ?? 0, rulesVersion: rulesVersion)
    }

    func mentionsReferrerAggregate(_ code: Code) -> Bool {
        switch code {
        case .aggregate(let index, let key):
            if case .field(let slot) = key, slot == .referrer(.id) { return true }
            return aggregates[index].key == "referrer"
        case .not(let inner), .negate(let inner), .labelled(let inner, _): return mentionsReferrerAggregate(inner)
        case .and(let items), .or(let items), .list(let items), .call(_, let items), .lookup(_, let items):
            return items.contains(where: mentionsReferrerAggregate)
        case .compare(_, let a, let b), .arithmetic(_, let a, let b), .member(let a, let b, _):
            return mentionsReferrerAggregate(a) || mentionsReferrerAggregate(b)
        default: return false
        }
    }

    static func months(_ period: String) -> Int {
        switch period {
        case "quarter", "quarterly": return 3
        case "year", "yearly": return 12
        default: return 1
        }
    }

    // MARK: Rules

    mutating func compileRule(_ rule: Rule, ruleIndex: [String: Int]) -> PlannedRule {
        var from: Timestamp?
        var until: Timestamp?
        var effectiveText: String?
        var conditions: [PlannedCondition] = []
        var payments: [PlannedPayment] = []
        for clause in rule.clauses {
            switch clause {
            case .effective(let start, let end, _):
                from = start.map(instant)
                until = end.map(instant)
                effectiveText = "[" + (start.map(ExpressionPrinter.print) ?? "…") + ", " + (end.map(ExpressionPrinter.print) ?? "…") + ")"
            case .when(let condition, _):
                // Top-level `and`s become separate conditions so traces name the one that failed.
                for part in conjuncts(condition) {
                    var label: String?
                    var expression = part
                    if case .labelled(let inner, let literal) = part.kind {
                        label = literal.value
                        expression = inner
                    }
                    conditions.append(PlannedCondition(code: compile(expression), text: ExpressionPrinter.print(expression), label: label))
                }
            case .pay(let payment):
                payments.append(compilePayment(payment))
            }
        }
        // Index: a rule that requires `referrer.kind == "x"` (or `in [...]`) is a candidate only for those kinds.
        var kinds: [String]?
        for condition in conditions {
            switch condition.code {
            case .compare(.equal, .field(.referrer(.kind)), .constant(.string(let kind))):
                kinds = [kind]
            case .member(.field(.referrer(.kind)), .list(let items), negated: false):
                let values = items.compactMap { item -> String? in if case .constant(.string(let text)) = item { return text }; return nil }
                if values.count == items.count { kinds = values }
            default: continue
            }
            break
        }
        return PlannedRule(id: rule.id.name, title: rule.title?.value ?? rule.id.name, effectiveFrom: from, effectiveUntil: until,
                           effectiveText: effectiveText, conditions: conditions, payments: payments,
                           replaces: rule.replaces.compactMap { ruleIndex[$0.name] }, kinds: kinds, location: location(rule.span))
    }

    func conjuncts(_ expression: Expression) -> [Expression] {
        if case .binary(.and, let left, let right) = expression.kind { return conjuncts(left) + conjuncts(right) }
        return [expression]
    }

    /// Local midnight of a date, or the instant of a timestamp.
    func instant(_ expression: Expression) -> Timestamp {
        switch expression.kind {
        case .date(let text): return clock.startOfDay(CivilDate(iso: Substring(text))!)
        case .timestamp(let text): return Timestamp.parse(text)!
        default: return Timestamp(secondsSinceEpoch: 0)
        }
    }

    mutating func compilePayment(_ payment: Payment) -> PlannedPayment {
        var text = "pay " + ExpressionPrinter.print(payment.amount)
        if let base = payment.base { text += " of " + ExpressionPrinter.print(base) }
        if let per = payment.per { text += " per \(per.rawValue)" }
        if let filter = payment.filter { text += " where " + ExpressionPrinter.print(filter) }
        let amount: PlannedPayment.Amount
        if let base = payment.base {
            let rate: PlannedPayment.Rate
            if case .name(let name) = payment.amount.kind, let tiers = tiersIndex[name.name] {
                rate = .tiers(tiers)
            } else {
                rate = .code(compile(payment.amount))
            }
            amount = .rate(rate, base: compile(base))
        } else {
            amount = .fixed(compile(payment.amount))
        }
        return PlannedPayment(amount: amount, per: payment.per.map { $0 == .line ? .line : .unit },
                              filter: payment.filter.map { compile($0) }, text: text)
    }

    // MARK: Tables and tiers

    func compileTable(_ table: Table) -> PlannedTable {
        var rows: [(keys: [Value], value: Value)] = []
        var fallback: Value?
        for row in table.rows {
            let value = constantValue(row.value)
            if let keys = row.keys {
                // Earlier rows win over later duplicates.
                let values = keys.map(constantValue)
                if !rows.contains(where: { $0.keys == values }) { rows.append((values, value)) }
            } else {
                fallback = value
            }
        }
        return PlannedTable(name: table.name.name, rows: rows, fallback: fallback)
    }

    func compileTiers(_ tiers: Tiers) -> PlannedTiers {
        let metric = PlannedTiers.Metric(rawValue: tiers.metric.name) ?? .revenue
        let period: PlannedTiers.Period
        switch tiers.period {
        case .calendar(let word): period = .months(PlanCompiler.months(word.name))
        case .trailing(let window): period = .trailing(Constant.duration(window) ?? 0)
        }
        let bands = tiers.bands.map { band -> (threshold: Int64, rate: ExactDecimal) in
            let threshold = metric == .revenue ? (Constant.money(band.threshold, currency: program.currency) ?? 0)
                : (Constant.number(band.threshold)?.rescaled(to: 0) ?? 0)
            return (threshold, percentValue(band.rate))
        }
        return PlannedTiers(name: tiers.name.name, mode: tiers.mode.name == "marginal" ? .marginal : .retroactive,
                            metric: metric, period: period, bands: bands)
    }

    func percentValue(_ expression: Expression) -> ExactDecimal {
        if case .percent(let value) = constantValue(expression) { return value }
        return ExactDecimal(significand: 0, scale: 0)
    }

    /// The value of a literal.
    func constantValue(_ expression: Expression) -> Value {
        switch expression.kind {
        case .number(let text): return .number(ExactDecimal(text) ?? ExactDecimal(significand: 0, scale: 0))
        case .percent(let text): return .percent(ExactDecimal(text) ?? ExactDecimal(significand: 0, scale: 0))
        case .string(let literal): return .string(literal.value)
        case .bool(let value): return .bool(value)
        case .date(let text): return CivilDate(iso: Substring(text)).map(Value.date) ?? .missing
        case .timestamp(let text): return Timestamp.parse(text).map(Value.timestamp) ?? .missing
        case .quantity(let number, let unit):
            if let seconds = Constant.duration(expression) { return .duration(seconds) }
            _ = unit
            return Constant.money(expression, currency: program.currency).map(Value.money) ?? (ExactDecimal(number).map(Value.number) ?? .missing)
        case .unary(.negate, let inner):
            switch constantValue(inner) {
            case .number(let value): return .number(ExactDecimal(significand: -value.significand, scale: value.scale))
            case .percent(let value): return .percent(ExactDecimal(significand: -value.significand, scale: value.scale))
            case .money(let value): return .money(-value)
            case .duration(let value): return .duration(-value)
            default: return .missing
            }
        case .list(let items): return .list(items.map(constantValue))
        default: return .missing
        }
    }
}
