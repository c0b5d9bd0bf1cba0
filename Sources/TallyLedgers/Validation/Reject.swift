/// A row that was not accepted, and why: the line, the column, the raw value and a
/// reason a person can act on. Every row read is either accepted or one of these.
public struct Reject: Sendable, Equatable {
    /// The ledger file as named in the project.
    public var file: String
    public var line: Int
    /// The column (their name) the problem is in; empty for a whole-row problem.
    public var column: String
    public var value: String
    public var reason: String
    /// For an exact duplicate row: the line of the row it repeats (the reason names it).
    /// Kept as a number so the rows of a clicks file read in pieces from its end can be
    /// renumbered once the lines before them are counted (see `LedgerLoader.join`).
    var duplicateOf: Int?

    /// The reason for an exact duplicate of the row on line `earlier`.
    static func exactDuplicate(of earlier: Int) -> String { "exact duplicate of line \(earlier), skipped" }

    public init(file: String, line: Int, column: String, value: String, reason: String) {
        self.file = file
        self.line = line
        self.column = column
        self.value = value
        self.reason = reason
    }
}

/// Row counts of one ledger file; `read == accepted + rejected` always.
public struct LedgerCount: Sendable, Equatable {
    public var file: String
    public var kind: LedgerKind
    public var read = 0
    public var accepted = 0
    public var rejected = 0
    /// Of the rejected: exact duplicates of an earlier row, skipped.
    public var duplicates = 0
}

/// Writes rejects as CSV (RFC 4180 quoting), in a fixed order.
public enum RejectsFile {
    public static let header = "file,line,column,value,reason"

    public static func render(_ rejects: [Reject]) -> String {
        var out = header + "\n"
        for reject in rejects {
            out += [reject.file, String(reject.line), reject.column, reject.value, reject.reason].map(quote).joined(separator: ",") + "\n"
        }
        return out
    }

    /// A CSV field, quoted when it holds a comma, quote or line break.
    public static func quote(_ field: String) -> String {
        // By byte: a comma, quote or line break is one byte in UTF-8, and a carriage return
        // and line feed side by side are one Character (equal to neither alone).
        guard field.utf8.contains(where: { $0 == 44 || $0 == 34 || $0 == 10 || $0 == 13 }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
