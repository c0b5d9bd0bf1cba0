import TallySource

/// Turns a source file into tokens and comments, reporting malformed input
/// (unterminated strings, stray characters, malformed numbers) without stopping.
public struct Lexer {
    private let file: SourceFile
    private let bytes: [UInt8]
    private var index = 0
    private var sawNewline = true
    public private(set) var tokens: [Token] = []
    public private(set) var comments: [Comment] = []
    public private(set) var diagnostics: [Diagnostic] = []

    /// Lexes the whole file at once.
    public static func lex(_ file: SourceFile) -> (tokens: [Token], comments: [Comment], diagnostics: [Diagnostic]) {
        var lexer = Lexer(file: file)
        lexer.run()
        return (lexer.tokens, lexer.comments, lexer.diagnostics)
    }

    private init(file: SourceFile) {
        self.file = file
        self.bytes = file.bytes
    }

    private func span(_ start: Int, _ end: Int) -> Span { Span(file: file, start: start, end: end) }

    private func peek(_ offset: Int = 0) -> UInt8 {
        let at = index + offset
        return at < bytes.count ? bytes[at] : 0
    }

    private mutating func run() {
        if let bad = file.firstInvalidByte {
            diagnostics.append(.error("syntax.invalid-utf8", "the file is not valid UTF-8", at: span(bad, bad + 1),
                                      help: "save the file as UTF-8"))
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\n"):
                sawNewline = true
                index += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                index += 1
            case UInt8(ascii: "#"):
                lexComment()
            case UInt8(ascii: "\""):
                lexString()
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                lexNumberOrDate()
            default:
                if isIdentifierStart(byte) {
                    lexIdentifier()
                } else {
                    lexSymbol()
                }
            }
        }
        tokens.append(Token(kind: .endOfFile, start: bytes.count, end: bytes.count, text: "", value: "", startsLine: true))
    }

    private func isIdentifierStart(_ byte: UInt8) -> Bool {
        (byte >= 97 && byte <= 122) || (byte >= 65 && byte <= 90) || byte == 95
    }

    private func isIdentifierPart(_ byte: UInt8) -> Bool {
        isIdentifierStart(byte) || (byte >= 48 && byte <= 57)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }

    private mutating func add(_ kind: TokenKind, _ start: Int, value: String? = nil) {
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        tokens.append(Token(kind: kind, start: start, end: index, text: text, value: value ?? text, startsLine: sawNewline))
        sawNewline = false
    }

    private mutating func lexComment() {
        let start = index
        while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
        var end = index
        while end > start, bytes[end - 1] == UInt8(ascii: " ") || bytes[end - 1] == UInt8(ascii: "\t") || bytes[end - 1] == UInt8(ascii: "\r") {
            end -= 1
        }
        comments.append(Comment(start: start, end: end, text: String(decoding: bytes[start..<end], as: UTF8.self),
                                ownLine: sawNewline))
    }

    private mutating func lexString() {
        let start = index
        index += 1
        var value: [UInt8] = []
        while true {
            guard index < bytes.count, bytes[index] != UInt8(ascii: "\n") else {
                diagnostics.append(.error("syntax.unterminated-string", "this string has no closing quote",
                                          at: span(start, index), help: "add `\"` at the end of the text"))
                add(.string, start, value: String(decoding: value, as: UTF8.self))
                return
            }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                break
            }
            if byte == UInt8(ascii: "\\") {
                let escaped = index + 1 < bytes.count ? bytes[index + 1] : 0
                switch escaped {
                case UInt8(ascii: "\""): value.append(escaped)
                case UInt8(ascii: "\\"): value.append(escaped)
                case UInt8(ascii: "n"): value.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "t"): value.append(UInt8(ascii: "\t"))
                default:
                    diagnostics.append(.error("syntax.bad-escape", "unknown escape in string",
                                              at: span(index, min(index + 2, bytes.count)),
                                              help: "write `\\\\` for a backslash; strings know `\\\"`, `\\\\`, `\\n` and `\\t`"))
                    if escaped != 0, escaped != UInt8(ascii: "\n") { value.append(escaped) }
                }
                index += (escaped == 0 || escaped == UInt8(ascii: "\n")) ? 1 : 2
                continue
            }
            value.append(byte)
            index += 1
        }
        add(.string, start, value: String(decoding: value, as: UTF8.self))
    }

    private mutating func lexNumberOrDate() {
        let start = index
        // A date is exactly DDDD-DD-DD; a timestamp continues with T.
        if (0..<4).allSatisfy({ isDigit(peek($0)) }), peek(4) == UInt8(ascii: "-"),
           isDigit(peek(5)), isDigit(peek(6)), peek(7) == UInt8(ascii: "-"), isDigit(peek(8)), isDigit(peek(9)),
           !isIdentifierPart(peek(10)) || peek(10) == UInt8(ascii: "T") {
            index += 10
            if peek() == UInt8(ascii: "T") {
                index += 1
                while index < bytes.count, isDigit(bytes[index]) || [UInt8(ascii: ":"), UInt8(ascii: "."),
                      UInt8(ascii: "Z"), UInt8(ascii: "+"), UInt8(ascii: "-")].contains(bytes[index]) {
                    index += 1
                }
                add(.timestamp, start)
            } else {
                add(.date, start)
            }
            return
        }
        while isDigit(peek()) { index += 1 }
        var malformed = false
        var points = 0
        while peek() == UInt8(ascii: "."), isDigit(peek(1)) {
            points += 1
            index += 1
            while isDigit(peek()) { index += 1 }
        }
        if points > 1 { malformed = true }
        // `12abc` is not a number followed by a word: report it whole.
        if isIdentifierStart(peek()) {
            let wordStart = index
            while isIdentifierPart(peek()) { index += 1 }
            let word = String(decoding: bytes[wordStart..<index], as: UTF8.self)
            diagnostics.append(.error("syntax.bad-number", "`\(String(decoding: bytes[start..<index], as: UTF8.self))` is not a number",
                                      at: span(start, index),
                                      help: "put a space between the number and `\(word)`"))
            add(.number, start)
            return
        }
        if malformed {
            diagnostics.append(.error("syntax.bad-number", "`\(String(decoding: bytes[start..<index], as: UTF8.self))` is not a number",
                                      at: span(start, index), help: "a number has at most one decimal point, as in `12.5`"))
        }
        add(.number, start)
    }

    private mutating func lexIdentifier() {
        let start = index
        while isIdentifierPart(peek()) { index += 1 }
        add(.identifier, start)
    }

    private mutating func lexSymbol() {
        let start = index
        let byte = bytes[index]
        let next = peek(1)
        func two(_ kind: TokenKind) { index += 2; add(kind, start) }
        func one(_ kind: TokenKind) { index += 1; add(kind, start) }
        switch byte {
        case UInt8(ascii: "{"): one(.leftBrace)
        case UInt8(ascii: "}"): one(.rightBrace)
        case UInt8(ascii: "("): one(.leftParen)
        case UInt8(ascii: ")"): one(.rightParen)
        case UInt8(ascii: "["): one(.leftBracket)
        case UInt8(ascii: "]"): one(.rightBracket)
        case UInt8(ascii: ","): one(.comma)
        case UInt8(ascii: ":"): one(.colon)
        case UInt8(ascii: "."): one(.dot)
        case UInt8(ascii: "%"): one(.percent)
        case UInt8(ascii: "+"): one(.plus)
        case UInt8(ascii: "*"): one(.star)
        case UInt8(ascii: "/"): one(.slash)
        case UInt8(ascii: "-"): next == UInt8(ascii: ">") ? two(.arrow) : one(.minus)
        case UInt8(ascii: "="):
            if next == UInt8(ascii: "=") {
                two(.equalEqual)
            } else {
                index += 1
                diagnostics.append(.error("syntax.single-equals", "`=` is not an operator", at: span(start, index),
                                          help: "write `==` to compare"))
                add(.equalEqual, start)
            }
        case UInt8(ascii: "!"):
            if next == UInt8(ascii: "=") {
                two(.bangEqual)
            } else {
                index += 1
                diagnostics.append(.error("syntax.unexpected-character", "unexpected character `!`", at: span(start, index),
                                          help: "write `not` to negate a condition"))
                add(.invalid, start)
            }
        case UInt8(ascii: "<"): next == UInt8(ascii: "=") ? two(.lessEqual) : one(.less)
        case UInt8(ascii: ">"): next == UInt8(ascii: "=") ? two(.greaterEqual) : one(.greater)
        default:
            // One whole UTF-8 character, so the caret covers what the user sees.
            var length = 1
            if byte >= 0xF0 { length = 4 } else if byte >= 0xE0 { length = 3 } else if byte >= 0xC0 { length = 2 }
            index = min(bytes.count, index + length)
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            var help: String? = nil
            if text == "&" { help = "write `and`" }
            if text == "|" { help = "write `or`" }
            if text == "'" || text == "“" || text == "”" { help = "strings use straight double quotes: \"like this\"" }
            if text == "$" || text == "€" || text == "£" { help = "write the currency code after the amount, as in `50 USD`" }
            diagnostics.append(.error("syntax.unexpected-character", "unexpected character `\(text)`",
                                      at: span(start, index), help: help))
            add(.invalid, start)
        }
    }
}
