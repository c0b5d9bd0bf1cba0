import TallyCheck
import TallyValues

/// The evaluation plan: everything the runner needs, compiled from a checked program.
/// The runner sees only this and the ledgers, never the syntax tree.
public struct Plan: Sendable {
    public var name: String
    public var currency: Currency
    public var clock: ProgramClock
    public var attribution: AttributionSettings
    /// Extra referrer columns: name and type name, in declaration order.
    public var referrerExtras: [(name: String, type: String)]
    public var touchChecks: [PlannedCheck]
    public var orderChecks: [PlannedCheck]
    public var rules: [PlannedRule]
    /// Rules that must be evaluated for a referrer kind, and the rules evaluated for every kind.
    public var rulesByKind: [String: [Int]]
    public var rulesForAnyKind: [Int]
    public var tables: [PlannedTable]
    public var tiers: [PlannedTiers]
    public var aggregates: [AggregateSpec]
    public var limits: [PlannedLimit]
    public var holdDays: Int?
    public var clawback: Bool
    /// Minimum payout in minor units (0 when the program sets none).
    public var payoutMinimum: Int64
    /// SHA-256 of the rule files, hex.
    public var rulesVersion: String
}

/// A fraud check, compiled.
public struct PlannedCheck: Sendable {
    public enum Action: String, Sendable { case reject, hold }
    public var action: Action
    public var reason: String
    public var condition: Code
    /// The condition as written, for traces.
    public var text: String
    /// Touch checks that read the order are judged per (order, touch); order checks that
    /// read the referrer judge only that referrer's decision.
    public var readsOrder: Bool
    public var readsReferrer: Bool
    public var location: String
}

/// One `when` condition of a rule, with its text and label for traces.
public struct PlannedCondition: Sendable {
    public var code: Code
    public var text: String
    public var label: String?
}

/// A commission rule, compiled.
public struct PlannedRule: Sendable {
    public var id: String
    public var title: String
    /// `[from, until)` as instants (local midnight in the program's zone).
    public var effectiveFrom: Timestamp?
    public var effectiveUntil: Timestamp?
    public var effectiveText: String?
    public var conditions: [PlannedCondition]
    public var payments: [PlannedPayment]
    /// Indexes of the rules this one replaces when it matches.
    public var replaces: [Int]
    /// `referrer.kind == "…"` conditions, used to index the rule.
    public var kinds: [String]?
    public var location: String
}

/// One `pay` clause.
public struct PlannedPayment: Sendable {
    public enum Rate: Sendable {
        /// A percent expression (literal, table lookup, referrer column).
        case code(Code)
        /// A tiers declaration, by index.
        case tiers(Int)
    }
    public enum Amount: Sendable {
        case fixed(Code)
        case rate(Rate, base: Code)
    }
    public var amount: Amount
    public var per: Per?
    public var filter: Code?
    public var text: String

    public enum Per: String, Sendable { case line, unit }
}

/// A decision table: rows by key values, and the default.
public struct PlannedTable: Sendable {
    public var name: String
    public var rows: [(keys: [Value], value: Value)]
    public var fallback: Value?
}

/// Tiers: bands by threshold (minor units for revenue, counts otherwise).
public struct PlannedTiers: Sendable {
    public enum Mode: String, Sendable { case retroactive, marginal }
    public enum Metric: String, Sendable { case revenue, orders, customers }
    public enum Period: Sendable, Equatable {
        case months(Int)
        case trailing(Int64)
    }
    public var name: String
    public var mode: Mode
    public var metric: Metric
    public var period: Period
    /// (threshold, percent points), ascending; the first threshold is 0.
    public var bands: [(threshold: Int64, rate: ExactDecimal)]
}

/// A cap.
public struct PlannedLimit: Sendable {
    /// Minor units.
    public var amount: Int64
    /// nil for per order; months per period for per referrer.
    public var months: Int?
    public var text: String
}

/// A windowed aggregate the runner keeps an index for.
public struct AggregateSpec: Sendable, Hashable {
    public enum Function: String, Sendable { case count, sum, distinct }
    public enum Events: String, Sendable { case clicks, orders, credits }
    public var function: Function
    public var events: Events
    /// The field summed or counted distinct.
    public var field: String?
    /// The event field the key names (`ip`, `customer`, `coupon`, …).
    public var key: String
    public var windowSeconds: Int64
    public var text: String
}

extension Plan {
    /// The click ledger fields the plan reads (touch checks, click aggregates), by their
    /// ledger names; the loader keeps only these (plus id, at, referrer and customer).
    public var clickFieldsRead: Set<String> {
        var fields = Set<String>()
        for check in touchChecks + orderChecks {
            for slot in check.condition.reads {
                guard case .touch(let field) = slot else { continue }
                switch field {
                case .signed: fields.insert("token")
                case .evidence, .at, .id, .code: continue
                default: fields.insert(field.rawValue)
                }
            }
        }
        for spec in aggregates where spec.events == .clicks {
            fields.insert(spec.key)
            if let field = spec.field { fields.insert(field) }
        }
        return fields
    }
}
