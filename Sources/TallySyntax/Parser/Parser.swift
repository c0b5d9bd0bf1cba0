import TallySource

/// A recursive-descent parser with precedence climbing for expressions. It never
/// stops at the first error: it reports, resynchronises at the next line that starts
/// a clause or declaration, and goes on, so one run shows every syntax error.
public struct Parser {
    let file: SourceFile
    var tokens: [Token]
    var position = 0
    var diagnostics: [Diagnostic] = []
    var comments: [Comment]
    /// Current expression nesting, bounded so hostile input cannot overflow the stack.
    var depth = 0
    static let maximumDepth = 200

    /// Parses a whole file. Never fails: errors come back as diagnostics next to the
    /// best tree that could be built.
    public static func parse(_ file: SourceFile) -> (program: SourceProgram, diagnostics: [Diagnostic]) {
        let lexed = Lexer.lex(file)
        var parser = Parser(file: file, tokens: lexed.tokens, comments: lexed.comments)
        parser.diagnostics = lexed.diagnostics
        let declarations = parser.parseFile()
        return (SourceProgram(file: file, declarations: declarations, comments: parser.comments), parser.diagnostics)
    }

    init(file: SourceFile, tokens: [Token], comments: [Comment]) {
        self.file = file
        // Invalid characters stay in the stream: the clause they sit in is abandoned
        // (the lexer already reported them, so the parser adds no second message).
        self.tokens = tokens
        self.comments = comments
    }

    // MARK: Token access

    var current: Token { tokens[position] }
    func peek(_ offset: Int = 1) -> Token { tokens[min(position + offset, tokens.count - 1)] }
    var atEnd: Bool { current.kind == .endOfFile }

    @discardableResult
    mutating func advance() -> Token {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    func isWord(_ word: String, _ token: Token? = nil) -> Bool {
        let token = token ?? current
        return token.kind == .identifier && token.text == word
    }

    mutating func accept(_ kind: TokenKind) -> Token? {
        current.kind == kind ? advance() : nil
    }

    mutating func acceptWord(_ word: String) -> Token? {
        isWord(word) ? advance() : nil
    }

    func span(_ token: Token) -> Span { Span(file: file, start: token.start, end: token.end) }

    func span(from start: Int) -> Span {
        let end = position > 0 ? tokens[position - 1].end : start
        return Span(file: file, start: start, end: max(start, end))
    }

    /// End offset of the last consumed token.
    var previousEnd: Int { position > 0 ? tokens[position - 1].end : 0 }

    // MARK: Errors

    /// Thrown inside a clause to abandon it; the caller resynchronises.
    struct Abandon: Error {}

    mutating func error(_ code: String, _ message: String, at span: Span, help: String? = nil) {
        // One report per position: a second complaint about the same token is noise.
        if let last = diagnostics.last, last.span.start == span.start, last.span.file === span.file,
           last.code.hasPrefix("syntax.") {
            return
        }
        diagnostics.append(.error(code, message, at: span, help: help))
    }

    /// Reports "expected X, found Y" at the current token and abandons the clause.
    mutating func fail(expected what: String, help: String? = nil) throws -> Never {
        error("syntax.expected-token", "expected \(what), found \(current.quoted)", at: span(current), help: help)
        throw Abandon()
    }

    mutating func expect(_ kind: TokenKind, _ what: String, help: String? = nil) throws -> Token {
        if let token = accept(kind) { return token }
        try fail(expected: what, help: help)
    }

    mutating func expectWord(_ word: String, help: String? = nil) throws -> Token {
        if let token = acceptWord(word) { return token }
        try fail(expected: "`\(word)`", help: help)
    }

    mutating func expectIdentifier(_ what: String, help: String? = nil) throws -> Identifier {
        guard current.kind == .identifier else { try fail(expected: what, help: help) }
        let token = advance()
        return Identifier(token.text, span: span(token))
    }

    mutating func expectString(_ what: String, help: String? = nil) throws -> StringLiteral {
        guard current.kind == .string else { try fail(expected: what, help: help) }
        let token = advance()
        return StringLiteral(value: token.value, raw: token.text, span: span(token))
    }

    /// Skips to the next token that begins a line and satisfies `stop` (or a `}` / end).
    mutating func synchronise(stoppingAt stop: (Token) -> Bool) {
        let start = position
        while !atEnd {
            if current.kind == .rightBrace { return }
            if current.startsLine, stop(current), position > start || !isFailureToken { return }
            advance()
        }
    }

    /// True when the last error was reported at the current token, so stopping here
    /// would only report it again.
    var isFailureToken: Bool {
        guard let last = diagnostics.last else { return false }
        return last.span.start == current.start && !(current.startsLine && current.kind == .identifier
            && (Parser.clauseStartWords.contains(current.text) || Parser.startsDeclaration(current)))
    }

    /// Skips the rest of the current line (at least one token), stopping at `}`.
    mutating func skipLine() {
        advance()
        while !atEnd, !current.startsLine, current.kind != .rightBrace { advance() }
    }
}
