import TallySource
import TallySyntax

extension Checker {
    /// Types of binary operations: units must agree (money with money, durations with
    /// durations), percent of money is money, timestamps move by durations.
    mutating func binaryType(_ op: BinaryOperator, _ left: Expression, _ right: Expression, span: Span,
                             in context: EvaluationContext) -> ValueType {
        let l = typeOf(left, in: context)
        let r = typeOf(right, in: context)
        if l.isUnknown || r.isUnknown {
            switch op {
            case .and, .or, .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual, .in, .notIn: return .bool
            default: return .unknown
            }
        }
        switch op {
        case .and, .or:
            for (side, type) in [(left, l), (right, r)] where type != .bool {
                error("check.type-mismatch", "`\(op.rawValue)` joins conditions, but this is \(type.spoken)", at: side.span,
                      help: comparisonHint(for: type))
            }
            return .bool
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual:
            if l != r {
                let literalSide = isLiteral(left) && !isLiteral(right) ? left : right
                error("check.type-mismatch", "cannot compare \(l.spoken) with \(r.spoken)", at: literalSide.span,
                      help: unitHint(expected: isLiteral(left) && !isLiteral(right) ? r : l,
                                     literal: literalSide))
                return .bool
            }
            if op != .equal, op != .notEqual, [.bool, .list(.string)].contains(l) || { if case .record = l { return true }; if case .list = l { return true }; return false }() {
                error("check.type-mismatch", "\(l.spoken) has no order; only `==` and `!=` compare it", at: span)
            } else if case .record = l {
                error("check.type-mismatch", "records cannot be compared; compare their fields, e.g. `.id`", at: span)
            }
            return .bool
        case .in, .notIn:
            guard case .list(let element) = r else {
                error("check.type-mismatch", "`\(op.rawValue)` needs a list on its right, found \(r.spoken)", at: right.span,
                      help: "write a list in brackets, e.g. `[\"TENT-2P\", \"TENT-4P\"]`")
                return .bool
            }
            if !element.agrees(with: l) {
                error("check.type-mismatch", "cannot look for \(l.spoken) in a list of \(element)", at: left.span,
                      help: element == .record(.line) ? "test a field of each line in a `per line` clause, e.g. `pay 3 USD per line where line.sku == \"TENT-2P\"`" : nil)
            }
            return .bool
        case .add, .subtract:
            switch (l, r) {
            case (.number, .number): return .number
            case (.money, .money): return .money
            case (.percent, .percent): return .percent
            case (.duration, .duration): return .duration
            case (.timestamp, .duration): return .timestamp
            case (.timestamp, .timestamp) where op == .subtract: return .duration
            case (.date, .duration): return .date
            default:
                let verb = op == .add ? "add \(r.spoken) to \(l.spoken)" : "subtract \(r.spoken) from \(l.spoken)"
                error("check.type-mismatch", "cannot \(verb)", at: span,
                      help: l == .money && r == .number ? unitHint(expected: .money, literal: right)
                        : "units must agree: money with money, percents with percents; a timestamp moves by a duration (`order.at + 30 days`)")
                return .unknown
            }
        case .multiply:
            switch (l, r) {
            case (.number, .number): return .number
            case (.money, .number), (.number, .money): return .money
            case (.percent, .money), (.money, .percent): return .money
            case (.percent, .number), (.number, .percent): return .percent
            case (.duration, .number), (.number, .duration): return .duration
            default:
                error("check.type-mismatch", "cannot multiply \(l.spoken) by \(r.spoken)", at: span,
                      help: l == .money && r == .money ? "a percent of money is written `8% of credit.net` or `8% * credit.net`" : nil)
                return .unknown
            }
        case .divide:
            switch (l, r) {
            case (.number, .number): return .number
            case (.money, .number): return .money
            case (.money, .money): return .number
            case (.duration, .duration): return .number
            case (.duration, .number): return .duration
            case (.percent, .number): return .percent
            default:
                error("check.type-mismatch", "cannot divide \(l.spoken) by \(r.spoken)", at: span,
                      help: "money divides by a number or by money; durations by a number or a duration")
                return .unknown
            }
        }
    }

    func isLiteral(_ expression: Expression) -> Bool {
        switch expression.kind {
        case .number, .quantity, .percent, .string, .date, .timestamp, .bool: return true
        case .unary(.negate, let inner): return isLiteral(inner)
        default: return false
        }
    }

    /// A hint that rewrites a bare number into the unit expected, e.g. `2000 USD`.
    func unitHint(expected: ValueType, literal: Expression) -> String? {
        let text = ExpressionPrinter.print(literal)
        switch (expected, literal.kind) {
        case (.money, .number):
            return "write `\(text) \(currency?.code ?? "USD")` to compare money"
        case (.percent, .number):
            return "write `\(text)%` for a percent"
        case (.duration, .number):
            return "write `\(text) days` (or seconds, minutes, hours, weeks) for a duration"
        case (.timestamp, .date):
            return "compare `order.date` with a date, or write a timestamp such as `\(text)T00:00:00-05:00`"
        case (.date, .timestamp):
            return "compare with a date such as `\(text.prefix(10))`"
        case (.string, .number):
            return "write `\"\(text)\"` to compare text"
        case (.number, .string):
            return "numbers are written without quotes"
        default:
            return nil
        }
    }

    func comparisonHint(for type: ValueType) -> String? {
        switch type {
        case .money: return "compare it, e.g. `order.net > 100 \(currency?.code ?? "USD")`"
        case .string: return "compare it, e.g. `referrer.kind == \"influencer\"`"
        case .number: return "compare it, e.g. `customer.order_count < 3`"
        default: return nil
        }
    }
}
