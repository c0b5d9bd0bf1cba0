/// The type of a value in the rule language. Money carries its currency implicitly:
/// every money value a rule sees is in the program's currency, and literals in any
/// other currency are rejected by the checker.
public indirect enum ValueType: Hashable, Sendable, CustomStringConvertible {
    case bool, number, string, money, percent, duration, date, timestamp
    case list(ValueType)
    case record(RecordKind)
    /// A name of a table: only usable with `[keys]`.
    case table(String)
    /// A name of a tiers declaration: a rate, only usable as `pay NAME of BASE`.
    case tiers(String)
    /// The type of an expression that already had an error (no further complaints).
    case unknown

    public var description: String {
        switch self {
        case .bool: return "bool"
        case .number: return "number"
        case .string: return "string"
        case .money: return "money"
        case .percent: return "percent"
        case .duration: return "duration"
        case .date: return "date"
        case .timestamp: return "timestamp"
        case .list(let element): return "list of \(element)"
        case .record(let kind): return "`\(kind.rawValue)` record"
        case .table(let name): return "table `\(name)`"
        case .tiers(let name): return "tiers `\(name)`"
        case .unknown: return "unknown"
        }
    }

    /// The type a declared type name stands for (`string`, `money`, …).
    public init?(typeName: String) {
        switch typeName {
        case "bool": self = .bool
        case "number": self = .number
        case "string": self = .string
        case "money": self = .money
        case "percent": self = .percent
        case "duration": self = .duration
        case "date": self = .date
        case "timestamp": self = .timestamp
        default: return nil
        }
    }

    public static let typeNames = ["bool", "number", "string", "money", "percent", "duration", "date", "timestamp"]

    var isUnknown: Bool { self == .unknown }

    /// True when two types agree, treating `unknown` as agreeing with anything.
    func agrees(with other: ValueType) -> Bool {
        if isUnknown || other.isUnknown { return true }
        if case .list(let a) = self, case .list(let b) = other { return a.agrees(with: b) }
        return self == other
    }
}

/// The records a rule can read.
public enum RecordKind: String, Hashable, Sendable, CaseIterable {
    case order, line, customer, referrer, touch, credit
}

extension ValueType {
    /// The type as a noun phrase for messages: "a number", "money", "a list of string".
    public var spoken: String {
        switch self {
        case .money: return "money"
        case .bool: return "a condition (true or false)"
        case .list(let element): return "a list of \(element)"
        case .record(let kind): return "a `\(kind.rawValue)` record"
        case .unknown: return "a value"
        case .table(let name): return "table `\(name)`"
        case .tiers(let name): return "tiers `\(name)`"
        default: return "a \(description)"
        }
    }
}
