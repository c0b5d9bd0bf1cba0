import TallySource

/// An expression node; every node keeps the exact span it was parsed from.
public struct Expression: Sendable, Equatable {
    public indirect enum Kind: Sendable, Equatable {
        /// A plain number, as written (`3`, `12.5`).
        case number(String)
        /// A number with a unit word: a currency code (`5 USD`) or a duration unit (`30 days`).
        case quantity(String, unit: Identifier)
        /// A percent (`8%`), the number as written.
        case percent(String)
        case string(StringLiteral)
        /// `2026-01-01`, validated by the checker.
        case date(String)
        /// `2026-01-01T00:00:00Z`, validated by the checker.
        case timestamp(String)
        case bool(Bool)
        case name(Identifier)
        case member(Expression, Identifier)
        case call(Expression, [Argument])
        case index(Expression, [Expression])
        case unary(UnaryOperator, Expression)
        case binary(BinaryOperator, Expression, Expression)
        case list([Expression])
        /// `cond because "label"`: a condition with a label shown in traces.
        case labelled(Expression, StringLiteral)
        case aggregate(Aggregate)
        /// Stands where a syntax error was reported, so checking can go on around it.
        case error
    }

    public var kind: Kind
    public var span: Span

    public init(_ kind: Kind, span: Span) {
        self.kind = kind
        self.span = span
    }
}

/// A call argument, optionally named (`half_life: 7 days`).
public struct Argument: Sendable, Equatable {
    public var label: Identifier?
    public var value: Expression
    public init(label: Identifier?, value: Expression) {
        self.label = label
        self.value = value
    }
}

/// `-x` and `not x`.
public enum UnaryOperator: String, Sendable, Equatable {
    case negate = "-"
    case not = "not"
}

/// Binary operators with their precedence (higher binds tighter).
public enum BinaryOperator: String, Sendable, Equatable, CaseIterable {
    case or, and
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case `in`, notIn = "not in"
    case add = "+", subtract = "-", multiply = "*", divide = "/"

    public var precedence: Int {
        switch self {
        case .or: return Precedence.or
        case .and: return Precedence.and
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual, .in, .notIn: return Precedence.comparison
        case .add, .subtract: return Precedence.additive
        case .multiply, .divide: return Precedence.multiplicative
        }
    }

    public var isComparison: Bool { precedence == Precedence.comparison }
}

/// Precedence levels shared by the parser and the formatter, loosest first.
public enum Precedence {
    public static let or = 1
    public static let and = 2
    /// `not x` and `x because "…"`.
    public static let labelOrNot = 3
    public static let comparison = 4
    public static let additive = 5
    public static let multiplicative = 6
    public static let unary = 7
    public static let postfix = 8
}

/// A windowed aggregate: `count(clicks by touch.ip within 1 hour)`.
public struct Aggregate: Sendable, Equatable {
    /// `count`, `sum` or `distinct`.
    public var function: Identifier
    /// `clicks`, `orders` or `credits`.
    public var events: Identifier
    /// The field summed or counted distinct (`orders.net`), if any.
    public var field: Identifier?
    public var key: Expression
    public var window: Expression
}
