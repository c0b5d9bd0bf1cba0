/// The fields of each record and where each record may be read. This is the one
/// place that says what `order.net` or `touch.ip` is; the runner fills the same
/// slots.
public struct RecordSchema: Sendable {
    /// Extra referrer columns declared in the program, in declaration order.
    public var referrerExtras: [(name: String, type: ValueType)]

    public init(referrerExtras: [(name: String, type: ValueType)] = []) {
        self.referrerExtras = referrerExtras
    }

    public static let builtinFields: [RecordKind: [(String, ValueType)]] = [
        .order: [
            ("id", .string), ("at", .timestamp), ("date", .date), ("channel", .string), ("marketplace", .string),
            ("status", .string), ("currency", .string), ("gross", .money), ("discount", .money), ("net", .money),
            ("shipping", .money), ("tax", .money), ("gift_wrap", .money), ("promo_codes", .list(.string)),
            ("coupon", .string), ("lines", .list(.record(.line))), ("item_count", .number),
            ("customer", .record(.customer)),
        ],
        .line: [
            ("sku", .string), ("asin", .string), ("category", .string), ("name", .string), ("qty", .number),
            ("price", .money), ("amount", .money), ("discount", .money), ("net", .money),
        ],
        .customer: [
            ("id", .string), ("email", .string), ("is_new", .bool), ("order_count", .number),
            ("is_returning", .bool), ("first_order_at", .timestamp),
        ],
        .referrer: [
            ("id", .string), ("name", .string), ("kind", .string), ("tier", .string), ("email", .string),
            ("status", .string), ("joined", .date),
        ],
        .touch: [
            ("id", .string), ("evidence", .string), ("at", .timestamp), ("channel", .string), ("campaign", .string),
            ("ip", .string), ("device", .string), ("utm_source", .string), ("utm_medium", .string),
            ("utm_campaign", .string), ("utm_content", .string), ("utm_term", .string), ("landing_url", .string),
            ("code", .string), ("signed", .bool), ("referrer", .record(.referrer)),
        ],
        .credit: [
            ("share", .percent), ("weight", .number), ("evidence", .string), ("net", .money), ("gross", .money),
            ("discount", .money), ("shipping", .money), ("tax", .money), ("gift_wrap", .money),
        ],
    ]

    /// The field's type, or nil when the record has no such field.
    public func fieldType(_ record: RecordKind, _ field: String) -> ValueType? {
        if let builtin = RecordSchema.builtinFields[record]?.first(where: { $0.0 == field }) { return builtin.1 }
        if record == .referrer, let extra = referrerExtras.first(where: { $0.name == field }) { return extra.type }
        return nil
    }

    /// Every field name of a record, for suggestions.
    public func fieldNames(_ record: RecordKind) -> [String] {
        var names = (RecordSchema.builtinFields[record] ?? []).map(\.0)
        if record == .referrer { names += referrerExtras.map(\.name) }
        return names
    }
}

/// Where an expression is evaluated, which decides the records it may read.
public enum EvaluationContext: Sendable, Equatable {
    /// A `reject touch` / `hold touch` check: one touch, possibly against one order.
    case touchCheck
    /// A `reject order` / `hold order` check.
    case orderCheck
    /// A rule's `when`, or a pay clause's amount and base.
    case rule
    /// A `per line` / `per unit` pay clause: the rule's records and `line`.
    case perLine
    /// A constant: table rows, tier bands, limits, windows.
    case constant

    var records: Set<RecordKind> {
        switch self {
        case .touchCheck: return [.touch, .order, .customer, .referrer]
        case .orderCheck: return [.order, .customer, .referrer]
        case .rule: return [.order, .customer, .referrer, .credit]
        case .perLine: return [.order, .customer, .referrer, .credit, .line]
        case .constant: return []
        }
    }

    /// Why a record is not available here, for the error's help line.
    func unavailableHelp(_ record: RecordKind) -> String {
        switch record {
        case .line: return "`line` is only available in `pay … per line` and `pay … per unit` clauses"
        case .touch: return "`touch` is only available in `reject touch` and `hold touch` checks; rules see the attributed `credit`"
        case .credit: return "`credit` is only available in rules, after attribution"
        default:
            return self == .constant ? "this value must be a constant: it is fixed before any order is read"
                : "`\(record.rawValue)` is not available here"
        }
    }
}

/// Keys a windowed aggregate can group its events by, per event set.
enum AggregateEvents: String, CaseIterable {
    case clicks, orders, credits

    var keys: [String] {
        switch self {
        case .clicks: return ["ip", "device", "referrer", "customer", "channel", "campaign"]
        case .orders: return ["customer", "coupon", "channel", "email", "referrer"]
        case .credits: return ["referrer", "customer"]
        }
    }

    /// Fields that `sum(EVENTS.FIELD …)` can add up.
    var summable: [String] {
        switch self {
        case .clicks: return []
        case .orders, .credits: return ["net", "gross"]
        }
    }

    /// Fields that `distinct(EVENTS.FIELD …)` can count.
    var distinctFields: [String] {
        switch self {
        case .clicks: return ["ip", "device", "referrer", "customer", "campaign"]
        case .orders: return ["customer", "email", "coupon", "channel"]
        case .credits: return ["referrer", "customer"]
        }
    }
}
