import TallySource

/// One parsed `.tally` file: its declarations in order and its comments.
public struct SourceProgram: Sendable {
    public var file: SourceFile
    public var declarations: [Declaration]
    public var comments: [Comment]
}

/// A top-level declaration.
public enum Declaration: Sendable, Equatable {
    case program(StringLiteral, span: Span)
    case currency(Identifier, span: Span)
    case timezone(StringLiteral, span: Span)
    case include(StringLiteral, span: Span)
    case referrerFields(ReferrerFields)
    case attribution(AttributionBlock)
    case fraud(FraudBlock)
    case rule(Rule)
    case table(Table)
    case tiers(Tiers)
    case limit(Limit)
    case hold(Expression, span: Span)
    case clawback(Identifier, span: Span)
    case payout(period: Identifier, minimum: Expression, span: Span)

    public var span: Span {
        switch self {
        case .program(_, let span), .currency(_, let span), .timezone(_, let span), .include(_, let span),
             .hold(_, let span), .clawback(_, let span), .payout(_, _, let span):
            return span
        case .referrerFields(let block): return block.span
        case .attribution(let block): return block.span
        case .fraud(let block): return block.span
        case .rule(let rule): return rule.span
        case .table(let table): return table.span
        case .tiers(let tiers): return tiers.span
        case .limit(let limit): return limit.span
        }
    }

    /// True for declarations written as a `{ … }` block.
    public var isBlock: Bool {
        switch self {
        case .referrerFields, .attribution, .fraud, .rule, .table, .tiers: return true
        default: return false
        }
    }
}

/// `referrer fields { name: type … }`: extra referrer columns rules may read.
public struct ReferrerFields: Sendable, Equatable {
    public var fields: [FieldDeclaration]
    public var span: Span
}

/// One `name: type` of `referrer fields`.
public struct FieldDeclaration: Sendable, Equatable {
    public var name: Identifier
    public var type: Identifier
    public var span: Span
}

/// `attribution { model …; lookback …; evidence … }`.
public struct AttributionBlock: Sendable, Equatable {
    public var items: [AttributionItem]
    public var span: Span
}

/// One clause of the attribution block.
public enum AttributionItem: Sendable, Equatable {
    /// `model time_decay(half_life: 7 days)`; `arguments` is nil without parentheses.
    case model(name: Identifier, arguments: [Argument]?, span: Span)
    case lookback(Expression, span: Span)
    case evidence([Identifier], span: Span)

    public var span: Span {
        switch self {
        case .model(_, _, let span), .lookback(_, let span), .evidence(_, let span): return span
        }
    }
}

/// `fraud { reject touch "reason" when … }`.
public struct FraudBlock: Sendable, Equatable {
    public var checks: [FraudCheck]
    public var span: Span
}

/// One `reject|hold touch|order "reason" when …` check.
public struct FraudCheck: Sendable, Equatable {
    /// `reject` or `hold`.
    public var action: Identifier
    /// `touch` or `order`.
    public var subject: Identifier
    public var reason: StringLiteral
    public var condition: Expression
    public var span: Span
}

/// `rule id "title" replaces other { clauses }`.
public struct Rule: Sendable, Equatable {
    public var id: Identifier
    public var title: StringLiteral?
    public var replaces: [Identifier]
    public var clauses: [RuleClause]
    public var span: Span
}

/// One clause of a rule: `effective`, `when` or `pay`.
public enum RuleClause: Sendable, Equatable {
    case effective(from: Expression?, until: Expression?, span: Span)
    case when(Expression, span: Span)
    case pay(Payment)

    public var span: Span {
        switch self {
        case .effective(_, _, let span), .when(_, let span): return span
        case .pay(let payment): return payment.span
        }
    }
}

/// `pay AMOUNT [of BASE] [per line|per unit [where FILTER]]`.
public struct Payment: Sendable, Equatable {
    /// A money amount, or a rate (percent, table lookup, tiers name) when `base` is set.
    public var amount: Expression
    public var base: Expression?
    public var per: PerItem?
    public var filter: Expression?
    public var span: Span
}

/// What a per-item payment counts.
public enum PerItem: String, Sendable, Equatable {
    case line, unit
}

/// `table name(key: type [in [...]], …) -> type { row … }`.
public struct Table: Sendable, Equatable {
    public var name: Identifier
    public var keys: [TableKey]
    public var valueType: Identifier
    public var rows: [TableRow]
    public var span: Span
}

/// A key of a table, with its type and, optionally, its declared values.
public struct TableKey: Sendable, Equatable {
    public var name: Identifier
    public var type: Identifier
    /// The values this key can take, when declared; then the checker proves the
    /// table complete.
    public var domain: [Expression]?
    public var span: Span
}

/// A table row: key values (or `default`) and the value.
public struct TableRow: Sendable, Equatable {
    /// The key values; nil for the `default` row.
    public var keys: [Expression]?
    public var value: Expression
    public var span: Span
}

/// `tiers name retroactive|marginal by metric per period|within duration { bands }`.
public struct Tiers: Sendable, Equatable {
    public var name: Identifier
    public var mode: Identifier
    public var metric: Identifier
    public var period: TierPeriod
    public var bands: [TierBand]
    public var span: Span
}

/// The period tiers measure over: a calendar period or a trailing window.
public enum TierPeriod: Sendable, Equatable {
    case calendar(Identifier)
    case trailing(Expression)
}

/// `threshold -> rate`.
public struct TierBand: Sendable, Equatable {
    public var threshold: Expression
    public var rate: Expression
    public var span: Span
}

/// `limit AMOUNT per order` or `limit AMOUNT per referrer per PERIOD`.
public struct Limit: Sendable, Equatable {
    public var amount: Expression
    /// nil for `per order`; the period word for `per referrer per …`.
    public var referrerPeriod: Identifier?
    public var span: Span
}
