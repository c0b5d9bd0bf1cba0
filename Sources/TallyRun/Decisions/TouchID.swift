/// A touch's id as the runner keeps it: a click's plainly numeric id as its number, any
/// other id (a coupon code, `survey:1`, a click id that is not a plain number) as text.
/// The number is put in words only when read: the runner names every click in every
/// order's lookback, and making each id a `String` was 6% of the runner's time on the
/// reference kit's large data (the renderer writes the number's digits in place).
public enum TouchID: Sendable {
    /// An id that is a number written plainly (digits only, no leading zero), as
    /// `ClickTable.idNumber` keeps it.
    case number(Int64)
    case text(String)

    /// The id as written in the ledger.
    public var text: String {
        switch self {
        case .number(let number): return String(number)
        case .text(let text): return text
        }
    }
}

extension TouchID: Equatable {
    /// Ids are equal when their texts are (a number and the same digits as text are the
    /// same id).
    public static func == (lhs: TouchID, rhs: TouchID) -> Bool {
        switch (lhs, rhs) {
        case (.number(let a), .number(let b)): return a == b
        case (.text(let a), .text(let b)): return a == b
        default: return lhs.text == rhs.text
        }
    }
}
