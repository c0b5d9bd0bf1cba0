/// A span-free S-expression of a parsed program: what parser golden tests compare,
/// and how `parse(fmt(x)) == parse(x)` is checked.
public enum TreeDump {
    public static func dump(_ program: SourceProgram) -> String {
        program.declarations.map(dump).joined(separator: "\n") + (program.declarations.isEmpty ? "" : "\n")
    }

    public static func dump(_ declaration: Declaration) -> String {
        switch declaration {
        case .program(let name, _): return "(program \(name.raw))"
        case .currency(let code, _): return "(currency \(code.name))"
        case .timezone(let zone, _): return "(timezone \(zone.raw))"
        case .include(let path, _): return "(include \(path.raw))"
        case .hold(let duration, _): return "(hold \(dump(duration)))"
        case .clawback(let mode, _): return "(clawback \(mode.name))"
        case .payout(let period, let minimum, _): return "(payout \(period.name) \(dump(minimum)))"
        case .limit(let limit):
            return "(limit \(dump(limit.amount)) \(limit.referrerPeriod.map { "per-referrer \($0.name)" } ?? "per-order"))"
        case .referrerFields(let block):
            return "(referrer-fields" + block.fields.map { " (\($0.name.name) \($0.type.name))" }.joined() + ")"
        case .attribution(let block):
            return "(attribution" + block.items.map { item -> String in
                switch item {
                case .model(let name, let arguments, _):
                    return "\n  (model \(name.name)" + (arguments.map { " (args" + $0.map(dump).joined() + ")" } ?? "") + ")"
                case .lookback(let value, _): return "\n  (lookback \(dump(value)))"
                case .evidence(let classes, _): return "\n  (evidence " + classes.map(\.name).joined(separator: " ") + ")"
                }
            }.joined() + ")"
        case .fraud(let block):
            return "(fraud" + block.checks.map {
                "\n  (\($0.action.name) \($0.subject.name) \($0.reason.raw) \(dump($0.condition)))"
            }.joined() + ")"
        case .rule(let rule):
            var text = "(rule \(rule.id.name)"
            if let title = rule.title { text += " \(title.raw)" }
            if !rule.replaces.isEmpty { text += " (replaces " + rule.replaces.map(\.name).joined(separator: " ") + ")" }
            for clause in rule.clauses {
                switch clause {
                case .effective(let from, let until, _):
                    text += "\n  (effective \(from.map(dump) ?? "-") \(until.map(dump) ?? "-"))"
                case .when(let condition, _): text += "\n  (when \(dump(condition)))"
                case .pay(let payment):
                    text += "\n  (pay \(dump(payment.amount))"
                    if let base = payment.base { text += " (of \(dump(base)))" }
                    if let per = payment.per { text += " (per \(per.rawValue))" }
                    if let filter = payment.filter { text += " (where \(dump(filter)))" }
                    text += ")"
                }
            }
            return text + ")"
        case .table(let table):
            var text = "(table \(table.name.name)"
            for key in table.keys {
                text += " (key \(key.name.name) \(key.type.name)" + (key.domain.map { " (in" + $0.map { " " + dump($0) }.joined() + ")" } ?? "") + ")"
            }
            text += " -> \(table.valueType.name)"
            for row in table.rows {
                text += "\n  (row " + (row.keys.map { $0.map(dump).joined(separator: " ") } ?? "default") + " -> \(dump(row.value)))"
            }
            return text + ")"
        case .tiers(let tiers):
            var text = "(tiers \(tiers.name.name) \(tiers.mode.name) \(tiers.metric.name) "
            switch tiers.period {
            case .calendar(let word): text += "(per \(word.name))"
            case .trailing(let window): text += "(within \(dump(window)))"
            }
            for band in tiers.bands { text += "\n  (band \(dump(band.threshold)) \(dump(band.rate)))" }
            return text + ")"
        }
    }

    static func dump(_ argument: Argument) -> String {
        " " + (argument.label.map { "\($0.name): " } ?? "") + dump(argument.value)
    }

    public static func dump(_ expression: Expression) -> String {
        switch expression.kind {
        case .number(let text): return text
        case .quantity(let number, let unit): return "(\(number) \(unit.name))"
        case .percent(let number): return "\(number)%"
        case .string(let literal): return literal.raw
        case .date(let text): return "(date \(text))"
        case .timestamp(let text): return "(timestamp \(text))"
        case .bool(let value): return value ? "true" : "false"
        case .name(let identifier): return identifier.name
        case .member(let base, let field): return "(. \(dump(base)) \(field.name))"
        case .call(let callee, let arguments): return "(call \(dump(callee))" + arguments.map(dump).joined() + ")"
        case .index(let table, let keys): return "(index \(dump(table))" + keys.map { " " + dump($0) }.joined() + ")"
        case .unary(let op, let operand): return "(\(op.rawValue) \(dump(operand)))"
        case .binary(let op, let left, let right): return "(\(op.rawValue) \(dump(left)) \(dump(right)))"
        case .list(let items): return "(list" + items.map { " " + dump($0) }.joined() + ")"
        case .labelled(let condition, let label): return "(because \(dump(condition)) \(label.raw))"
        case .aggregate(let aggregate):
            return "(\(aggregate.function.name) \(aggregate.events.name)" + (aggregate.field.map { ".\($0.name)" } ?? "")
                + " (by \(dump(aggregate.key))) (within \(dump(aggregate.window))))"
        case .error: return "<error>"
        }
    }
}
