import TallyValues

/// A compiled expression: names already resolved to slots, literals already typed.
/// The runner interprets it with a switch; the same tree records operand values when a
/// trace is wanted.
public indirect enum Code: Sendable {
    case constant(Value)
    case field(FieldSlot)
    /// `customer.is_new(within: …)`, the window in seconds.
    case isNewWithin(Int64)
    case not(Code)
    case negate(Code)
    case and([Code])
    case or([Code])
    case compare(Comparison, Code, Code)
    case arithmetic(Arithmetic, Code, Code)
    case member(Code, Code, negated: Bool)
    case call(Function, [Code])
    /// A table lookup: the table's index in the plan and the key codes.
    case lookup(Int, [Code])
    /// A windowed aggregate: its index in the plan and the code giving this event's key.
    case aggregate(Int, key: Code)
    case list([Code])
    /// A condition with its `because` label.
    case labelled(Code, String)

    public enum Comparison: String, Sendable {
        case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    }

    public enum Arithmetic: String, Sendable {
        case add = "+", subtract = "-", multiply = "*", divide = "/"
    }

    public enum Function: String, Sendable {
        case lower, upper, trim, contains
        case startsWith = "starts_with", endsWith = "ends_with", len
    }

    /// The slots this code reads, for planning (which records a check needs).
    public var reads: [FieldSlot] {
        switch self {
        case .constant, .isNewWithin: return []
        case .field(let slot): return [slot]
        case .not(let inner), .negate(let inner), .labelled(let inner, _): return inner.reads
        case .and(let items), .or(let items), .list(let items), .call(_, let items), .lookup(_, let items): return items.flatMap(\.reads)
        case .compare(_, let a, let b), .arithmetic(_, let a, let b), .member(let a, let b, _): return a.reads + b.reads
        case .aggregate(_, let key): return key.reads
        }
    }

    /// True when the code reads a referrer field (so an order check is judged per referrer).
    public var readsReferrer: Bool {
        reads.contains { slot in
            switch slot {
            case .referrer, .referrerExtra, .touchReferrer: return true
            default: return false
            }
        }
    }
}
