import TallySource
import TallySyntax
import TallyValues

extension Checker {
    mutating func checkRule(_ rule: Rule) {
        var effective: Span?
        for clause in rule.clauses {
            switch clause {
            case .effective(let from, let until, let span):
                if let first = effective {
                    error("check.duplicate-declaration", "rule `\(rule.id.name)` has two `effective` clauses", at: span,
                          notes: [DiagnosticNote("the first is here", at: first)],
                          help: "one rule has one window; write a second rule for a second window")
                    continue
                }
                effective = span
                let fromBound = from.flatMap { effectiveBound($0) }
                let untilBound = until.flatMap { effectiveBound($0) }
                // Two dates, or two timestamps, can be ordered without the time zone.
                if let fromBound, let untilBound, let until, fromBound.isDate == untilBound.isDate {
                    let (fromDate, untilDate) = (fromBound.order, untilBound.order)
                    if untilDate < fromDate {
                        error("check.effective-window", "rule `\(rule.id.name)` ends before it starts", at: until.span,
                              help: "effective windows are [from, until): write the later date after `until`")
                    } else if untilDate == fromDate {
                        warning("warn.never-effective", "rule `\(rule.id.name)` is never effective", at: until.span,
                                help: "`effective \(fromBound.text) until \(untilBound.text)` is an empty window: `until` is the first day the rule no longer applies")
                    }
                }
            case .when(let condition, _):
                checkCondition(condition, in: .rule)
            case .pay(let payment):
                checkPayment(payment, rule: rule)
            }
        }
        if !rule.clauses.contains(where: { if case .pay = $0 { return true }; return false }) {
            warning("warn.pays-nothing", "rule `\(rule.id.name)` has no `pay` clause", at: rule.id.span,
                    help: "a rule without `pay` matches but pays 0.00; add e.g. `pay 5 USD`")
        }
        for (index, replaced) in rule.replaces.enumerated() where rule.replaces[..<index].contains(where: { $0.name == replaced.name }) {
            warning("warn.duplicate-replaces", "`\(replaced.name)` is listed twice after `replaces`", at: replaced.span)
        }
    }

    /// A bound of an `effective` clause: a date (local midnight, ordered by day) or a
    /// timestamp (ordered by instant), with its text.
    mutating func effectiveBound(_ expression: Expression) -> (isDate: Bool, order: Int64, text: String)? {
        let type = typeOf(expression, in: .constant)
        guard !type.isUnknown else { return nil }
        switch expression.kind {
        case .date(let text): return CivilDate(iso: Substring(text)).map { (true, Int64($0.daysSinceEpoch), text) }
        case .timestamp(let text): return Timestamp.parse(text).map { (false, $0.secondsSinceEpoch, text) }
        default: return nil
        }
    }

    mutating func checkPayment(_ payment: Payment, rule: Rule) {
        let context: EvaluationContext = payment.per == nil ? .rule : .perLine
        if let filter = payment.filter { checkCondition(filter, in: .perLine) }
        if let base = payment.base {
            // RATE of BASE: a percent (literal, table, tiers) of money.
            let rateType = typeOf(payment.amount, in: context)
            switch rateType {
            case .percent, .tiers, .unknown: break
            default:
                error("check.type-mismatch", "`of` takes a percent on its left, found \(rateType.spoken)", at: payment.amount.span,
                      help: rateType == .money ? "a fixed amount is written without `of`: `pay 5 USD`" : unitHint(expected: .percent, literal: payment.amount))
            }
            if let points = Constant.percentBasisPoints(payment.amount), points > 10_000 {
                warning("warn.percent-over-100", "rule `\(rule.id.name)` pays more than the whole base", at: payment.amount.span,
                        help: "check the rate: \(ExpressionPrinter.print(payment.amount)) of the base is more than the base itself")
            }
            let baseType = typeOf(base, in: context)
            if !baseType.agrees(with: .money) {
                error("check.type-mismatch", "the base of a rate must be money, found \(baseType.spoken)", at: base.span,
                      help: "name the base explicitly, e.g. `credit.net` or `credit.gross + credit.shipping`")
            }
            if payment.per != nil, !mentions(base, record: "line") {
                warning("warn.per-line-base", "this per-line rate is not taken of the line", at: base.span,
                        help: "write `of line.net` (or `line.amount`) so each line pays on its own amount")
            }
            if payment.per == nil, mentions(base, record: "order") {
                warning("warn.order-base", "the base reads the whole order, not this referrer's credit", at: base.span,
                        help: "write `credit.net`: with several referrers, each would be paid on the whole order")
            }
        } else {
            let amountType = typeOf(payment.amount, in: context)
            switch amountType {
            case .money, .unknown: break
            case .percent, .tiers:
                error("check.type-mismatch", "a percent needs a base", at: payment.amount.span,
                      help: "say what it is a percent of, e.g. `pay \(ExpressionPrinter.print(payment.amount)) of credit.net`")
            default:
                error("check.type-mismatch", "`pay` needs an amount of money, found \(amountType.spoken)", at: payment.amount.span,
                      help: unitHint(expected: .money, literal: payment.amount) ?? "write e.g. `pay 5 \(currency?.code ?? "USD")`")
            }
        }
    }

    /// True when `expression` reads the named record.
    func mentions(_ expression: Expression, record: String) -> Bool {
        switch expression.kind {
        case .name(let identifier): return identifier.name == record
        case .member(let base, _): return mentions(base, record: record)
        case .binary(_, let left, let right): return mentions(left, record: record) || mentions(right, record: record)
        case .unary(_, let operand), .labelled(let operand, _): return mentions(operand, record: record)
        case .call(let callee, let arguments):
            return mentions(callee, record: record) || arguments.contains { mentions($0.value, record: record) }
        case .index(let target, let keys): return mentions(target, record: record) || keys.contains { mentions($0, record: record) }
        case .list(let items): return items.contains { mentions($0, record: record) }
        default: return false
        }
    }

    /// `replaces` targets exist and form no cycle; a replacing rule that can never
    /// match replaces nothing.
    mutating func checkReplaces(_ list: [Rule]) {
        for rule in list {
            for target in rule.replaces where rules[target.name] == nil {
                error("check.unknown-name", "rule `\(rule.id.name)` replaces `\(target.name)`, but there is no such rule", at: target.span,
                      help: Suggestion.didYouMean(target.name, among: Array(rules.keys)) ?? "name the id of an existing rule")
            }
        }
        // Cycles: depth-first search in declaration order, reported once per cycle.
        var state: [String: Int] = [:]  // 1 visiting, 2 done
        var reported = Set<String>()
        func visit(_ id: String, _ path: [Identifier], into checker: inout Checker) {
            guard let rule = checker.rules[id] else { return }
            state[id] = 1
            for target in rule.replaces {
                if state[target.name] == 1 {
                    let cycleStart = path.firstIndex { $0.name == target.name } ?? 0
                    let names = (path[cycleStart...].map(\.name) + [target.name])
                    let key = Set(names).sorted().joined(separator: ",")
                    if reported.insert(key).inserted {
                        checker.error("check.replaces-cycle",
                                      names.count == 2 ? "rule `\(id)` replaces itself"
                                        : "rules replace each other in a circle: " + names.map { "`\($0)`" }.joined(separator: " → "),
                                      at: target.span,
                                      help: "`replaces` must point from a special rule to a general one; remove one of them")
                    }
                } else if state[target.name] == nil {
                    visit(target.name, path + [target], into: &checker)
                }
            }
            state[id] = 2
        }
        for rule in list where state[rule.id.name] == nil {
            visit(rule.id.name, [rule.id], into: &self)
        }
        for rule in list where !rule.replaces.isEmpty {
            if let reason = neverMatches(rule) {
                warning("warn.never-matches", "rule `\(rule.id.name)` can never match, so it never replaces " + rule.replaces.map { "`\($0.name)`" }.joined(separator: ", "),
                        at: rule.id.span, notes: [DiagnosticNote(reason.message, at: reason.span)],
                        help: "fix the condition, or remove `replaces`")
            }
        }
    }

    /// Why a rule can never match, when that can be seen without data: an empty
    /// effective window, or a condition that asks one field for two different values.
    func neverMatches(_ rule: Rule) -> (message: String, span: Span)? {
        var equalities: [String: (String, Span)] = [:]
        func collect(_ expression: Expression) -> (String, Span)? {
            switch expression.kind {
            case .labelled(let inner, _): return collect(inner)
            case .binary(.and, let left, let right): return collect(left) ?? collect(right)
            case .binary(.equal, let left, let right):
                guard case .string(let literal) = right.kind else { return nil }
                let field = ExpressionPrinter.print(left)
                if let earlier = equalities[field], earlier.0 != literal.value {
                    return ("`\(field)` cannot be both \"\(earlier.0)\" and \"\(literal.value)\"", expression.span)
                }
                equalities[field] = (literal.value, expression.span)
                return nil
            default: return nil
            }
        }
        for clause in rule.clauses {
            switch clause {
            case .effective(let from, let until, let span):
                if let from, let until, case .date(let a) = from.kind, case .date(let b) = until.kind, b <= a {
                    return ("its effective window is empty", span)
                }
            case .when(let condition, _):
                if let contradiction = collect(condition) { return contradiction }
            case .pay: break
            }
        }
        return nil
    }
}
