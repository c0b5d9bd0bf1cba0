import TallySource
import TallySyntax
import TallyValues

extension Checker {
    /// Seconds of a constant duration (`30 days`), reporting anything else.
    mutating func constantDuration(_ expression: Expression, what: String, allowZero: Bool) -> Int64? {
        let type = typeOf(expression, in: .constant)
        if type.isUnknown { return nil }
        guard type == .duration, let seconds = Constant.duration(expression) else {
            error("check.type-mismatch", "\(what) must be a duration, found \(type.spoken)", at: expression.span,
                  help: unitHint(expected: .duration, literal: expression) ?? "write a duration such as `30 days`")
            return nil
        }
        if seconds < 0 || (!allowZero && seconds == 0) {
            error("check.bad-window", "\(what) must be longer than zero", at: expression.span,
                  help: "write a positive duration such as `1 hour`")
            return nil
        }
        return seconds
    }

    /// Minor units of a constant amount (`500 USD`), reporting anything else.
    mutating func constantMoney(_ expression: Expression, what: String, allowZero: Bool) -> Int64? {
        let type = typeOf(expression, in: .constant)
        if type.isUnknown { return nil }
        guard type == .money, let currency, let amount = Constant.money(expression, currency: currency) else {
            error("check.type-mismatch", "\(what) must be an amount of money, found \(type.spoken)", at: expression.span,
                  help: unitHint(expected: .money, literal: expression) ?? "write an amount such as `500 \(currency?.code ?? "USD")`")
            return nil
        }
        if amount < 0 || (!allowZero && amount == 0) {
            error("check.bad-amount", "\(what) must be more than zero", at: expression.span)
            return nil
        }
        return amount
    }

    /// Basis points of a constant percent (`12.5%` is 1250), reporting anything else.
    mutating func constantPercent(_ expression: Expression, what: String) -> Int64? {
        let type = typeOf(expression, in: .constant)
        if type.isUnknown { return nil }
        guard type == .percent, let points = Constant.percentBasisPoints(expression) else {
            error("check.type-mismatch", "\(what) must be a percent, found \(type.spoken)", at: expression.span,
                  help: unitHint(expected: .percent, literal: expression) ?? "write a percent such as `40%`")
            return nil
        }
        return points
    }
}

/// Values of constant expressions, exactly.
public enum Constant {
    /// Seconds of a duration literal (or its negation).
    public static func duration(_ expression: Expression) -> Int64? {
        switch expression.kind {
        case .quantity(let number, let unit):
            guard let unit = DurationUnit(word: unit.name), let value = Int64(number) else { return nil }
            return value * unit.seconds
        case .unary(.negate, let inner): return duration(inner).map { -$0 }
        default: return nil
        }
    }

    /// Minor units of a money literal in `currency`.
    public static func money(_ expression: Expression, currency: Currency) -> Int64? {
        switch expression.kind {
        case .quantity(let number, let unit) where unit.name == currency.code:
            return ExactDecimal(number)?.rescaled(to: currency.minorUnits)
        case .unary(.negate, let inner): return money(inner, currency: currency).map { -$0 }
        default: return nil
        }
    }

    /// A percent literal in hundredths of a percent (basis points): `8%` is 800.
    /// Finer percents (`8.125%`) round half-even to the basis point.
    public static func percentBasisPoints(_ expression: Expression) -> Int64? {
        switch expression.kind {
        case .percent(let number): return ExactDecimal(number)?.rescaled(to: 2)
        case .unary(.negate, let inner): return percentBasisPoints(inner).map { -$0 }
        default: return nil
        }
    }

    /// A plain number literal, exactly.
    public static func number(_ expression: Expression) -> ExactDecimal? {
        switch expression.kind {
        case .number(let text): return ExactDecimal(text)
        case .unary(.negate, let inner): return number(inner).map { ExactDecimal(significand: -$0.significand, scale: $0.scale) }
        default: return nil
        }
    }

    /// A literal's value as a comparable key, for table rows and domains.
    public static func key(_ expression: Expression) -> String? {
        switch expression.kind {
        case .string(let literal): return "s:" + literal.value
        // Numbers compare by value: `1.50` and `1.5` are the same key.
        case .number(let text): return ExactDecimal(text).map { "n:\($0.normalized)" }
        case .bool(let value): return "b:\(value)"
        case .percent(let text): return "p:" + text
        case .quantity(let number, let unit): return "q:\(number) \(unit.name)"
        case .date(let text): return "d:" + text
        default: return nil
        }
    }
}
