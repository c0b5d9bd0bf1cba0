import TallySource

/// The kinds of token the lexer produces. Keywords are identifiers: the grammar
/// reserves a word only where it names it, so `order` can be a keyword in `limit …
/// per order` and a record in `order.net`.
public enum TokenKind: Equatable, Sendable {
    case identifier
    case number
    case string
    case date
    case timestamp
    case leftBrace, rightBrace, leftParen, rightParen, leftBracket, rightBracket
    case comma, colon, dot, percent, plus, minus, star, slash, arrow
    case equalEqual, bangEqual, less, lessEqual, greater, greaterEqual
    /// A character or sequence the language has no use for; the lexer reported it.
    case invalid
    case endOfFile
}

/// One token with its exact span and whether it is the first token on its line
/// (the parser resynchronises at line starts after an error).
public struct Token: Sendable {
    public var kind: TokenKind
    public var start: Int
    public var end: Int
    /// The source text of the token.
    public var text: String
    /// For strings: the value with escapes resolved.
    public var value: String
    public var startsLine: Bool

    /// Describes the token for messages: `"rule"`, `"}"`, `end of file`.
    public var quoted: String {
        switch kind {
        case .endOfFile: return "end of file"
        case .string: return "string \(text.count > 30 ? String(text.prefix(27)) + "…\"" : text)"
        default: return "`\(text)`"
        }
    }
}

/// A `#` comment, kept for the formatter.
public struct Comment: Sendable, Equatable {
    public var start: Int
    public var end: Int
    /// The comment text including `#`, without trailing spaces.
    public var text: String
    /// True when nothing but spaces precedes it on its line.
    public var ownLine: Bool
}
