import TallySource

extension Parser {
    /// Words that may follow an expression in a clause, so a number followed by one
    /// of them is not a quantity (`pay 5 per line` is not "5 pers").
    static let clauseWords: Set<String> = [
        "per", "of", "where", "when", "until", "because", "and", "or", "not", "in", "by", "within",
        "minimum", "from", "replaces",
    ]

    /// Words that begin a clause inside a block.
    static let clauseStartWords: Set<String> = ["when", "pay", "effective", "model", "lookback", "evidence", "reject", "default"]

    /// Words an expression may not use as a name.
    static let reservedInExpressions: Set<String> = ["and", "or", "not", "in", "because", "by", "within"]

    /// An expression that makes up a clause; `what` names it for the error message.
    mutating func parseClauseExpression(_ what: String) throws -> Expression {
        // A clause word at the start of a line begins the next clause: this one is empty.
        let nextClause = current.startsLine && current.kind == .identifier
            && (Parser.clauseStartWords.contains(current.text) || startsDeclaration(current))
        guard startsExpression(current), !nextClause else { try fail(expected: what) }
        return try parseExpression()
    }

    func startsExpression(_ token: Token) -> Bool {
        switch token.kind {
        case .number, .string, .date, .timestamp, .leftParen, .leftBracket, .minus: return true
        case .identifier: return !Parser.reservedInExpressions.contains(token.text) || token.text == "not"
        default: return false
        }
    }

    public mutating func parseExpression() throws -> Expression {
        try parseBinary(minimum: 0)
    }

    /// Precedence climbing. Binary operators are left-associative; comparisons do not
    /// chain; `because` labels the operand of `and`/`or` it follows.
    mutating func parseBinary(minimum: Int) throws -> Expression {
        depth += 1
        defer { depth -= 1 }
        if depth > Parser.maximumDepth {
            error("syntax.too-deep", "this expression is nested too deeply", at: span(current),
                  help: "split it into several `when` clauses")
            throw Abandon()
        }
        var left = try parsePrefix(minimum: minimum)
        while true {
            if isWord("because"), minimum <= Precedence.labelOrNot {
                advance()
                let label = try expectString("the label in quotes", help: "write `because \"new customers only\"`")
                left = Expression(.labelled(left, label), span: left.span.union(label.span))
                continue
            }
            guard let (op, width) = binaryOperator(), op.precedence >= minimum else { break }
            for _ in 0..<width { advance() }
            guard startsExpression(current) else {
                try fail(expected: "an expression after `\(op.rawValue)`")
            }
            let right = try parseBinary(minimum: op == .and ? Precedence.labelOrNot : op.precedence + 1)
            left = Expression(.binary(op, left, right), span: left.span.union(right.span))
            if op.isComparison, let (next, _) = binaryOperator(), next.isComparison {
                error("syntax.chained-comparison", "comparisons cannot be chained", at: span(current),
                      help: "join two comparisons with `and`, as in `a < b and b < c`")
                throw Abandon()
            }
        }
        return left
    }

    /// The binary operator at the current token and how many tokens it spans.
    func binaryOperator() -> (BinaryOperator, Int)? {
        switch current.kind {
        case .equalEqual: return (.equal, 1)
        case .bangEqual: return (.notEqual, 1)
        case .less: return (.less, 1)
        case .lessEqual: return (.lessEqual, 1)
        case .greater: return (.greater, 1)
        case .greaterEqual: return (.greaterEqual, 1)
        case .plus: return (.add, 1)
        case .minus: return (.subtract, 1)
        case .star: return (.multiply, 1)
        case .slash: return (.divide, 1)
        case .identifier:
            switch current.text {
            case "and": return (.and, 1)
            case "or": return (.or, 1)
            case "in": return (.in, 1)
            case "not" where isWord("in", peek()): return (.notIn, 2)
            default: return nil
            }
        default: return nil
        }
    }

    mutating func parsePrefix(minimum: Int) throws -> Expression {
        if isWord("not"), !isWord("in", peek()) {
            let token = advance()
            guard startsExpression(current) else { try fail(expected: "a condition after `not`") }
            let operand = try parseBinary(minimum: Precedence.comparison)
            return Expression(.unary(.not, operand), span: span(token).union(operand.span))
        }
        if current.kind == .minus {
            let token = advance()
            guard startsExpression(current) else { try fail(expected: "a number after `-`") }
            depth += 1
            defer { depth -= 1 }
            if depth > Parser.maximumDepth { try fail(expected: "a shorter expression") }
            let operand = try parsePrefix(minimum: Precedence.unary)
            return Expression(.unary(.negate, operand), span: span(token).union(operand.span))
        }
        return try parsePostfix()
    }

    mutating func parsePostfix() throws -> Expression {
        var expression = try parsePrimary()
        while true {
            if current.kind == .dot {
                advance()
                let field = try expectIdentifier("a field name after `.`")
                expression = Expression(.member(expression, field), span: expression.span.union(field.span))
            } else if current.kind == .leftParen, !current.startsLine {
                advance()
                let arguments = try parseArguments(closing: .rightParen)
                expression = Expression(.call(expression, arguments), span: span(from: expression.span.start))
            } else if current.kind == .leftBracket, !current.startsLine {
                advance()
                let keys = try parseList(closing: .rightBracket)
                if keys.isEmpty { try fail(expected: "a key inside `[ ]`") }
                expression = Expression(.index(expression, keys), span: span(from: expression.span.start))
            } else {
                return expression
            }
        }
    }

    mutating func parsePrimary() throws -> Expression {
        let token = current
        switch token.kind {
        case .number:
            advance()
            if current.kind == .percent {
                let percent = advance()
                return Expression(.percent(token.text), span: span(token).union(span(percent)))
            }
            if current.kind == .identifier, !current.startsLine, !Parser.clauseWords.contains(current.text) {
                let unit = advance()
                return Expression(.quantity(token.text, unit: Identifier(unit.text, span: span(unit))),
                                  span: span(token).union(span(unit)))
            }
            return Expression(.number(token.text), span: span(token))
        case .string:
            advance()
            return Expression(.string(StringLiteral(value: token.value, raw: token.text, span: span(token))), span: span(token))
        case .date:
            advance()
            return Expression(.date(token.text), span: span(token))
        case .timestamp:
            advance()
            return Expression(.timestamp(token.text), span: span(token))
        case .leftParen:
            advance()
            let inner = try parseExpression()
            _ = try expect(.rightParen, "`)` to close `(`")
            var grouped = inner
            grouped.span = span(from: token.start)
            return grouped
        case .leftBracket:
            advance()
            let items = try parseList(closing: .rightBracket)
            return Expression(.list(items), span: span(from: token.start))
        case .identifier:
            if token.text == "true" || token.text == "false" {
                advance()
                return Expression(.bool(token.text == "true"), span: span(token))
            }
            if ["count", "sum", "distinct"].contains(token.text), peek().kind == .leftParen,
               ["clicks", "orders", "credits"].contains(peek(2).text), peek(2).kind == .identifier {
                return try parseAggregate()
            }
            if Parser.reservedInExpressions.contains(token.text) {
                try fail(expected: "an expression")
            }
            advance()
            return Expression(.name(Identifier(token.text, span: span(token))), span: span(token))
        default:
            try fail(expected: "an expression")
        }
    }

    mutating func parseAggregate() throws -> Expression {
        let functionToken = advance()
        let function = Identifier(functionToken.text, span: span(functionToken))
        _ = try expect(.leftParen, "`(`")
        let events = try expectIdentifier("`clicks`, `orders` or `credits`")
        var field: Identifier?
        if accept(.dot) != nil {
            field = try expectIdentifier("a field of the \(events.name)")
        }
        _ = try expectWord("by", help: "write `\(function.name)(\(events.name) by touch.ip within 1 hour)`")
        let key = try parseClauseExpression("what to group by, such as `touch.ip`")
        _ = try expectWord("within", help: "write `within 1 hour` after the key")
        let window = try parseClauseExpression("a duration such as `1 hour`")
        _ = try expect(.rightParen, "`)` to close `\(function.name)(`")
        return Expression(.aggregate(Aggregate(function: function, events: events, field: field, key: key, window: window)),
                          span: span(from: functionToken.start))
    }

    /// Comma-separated arguments up to the closing token (already past the opener).
    mutating func parseArguments(closing: TokenKind) throws -> [Argument] {
        var arguments: [Argument] = []
        if accept(closing) != nil { return arguments }
        repeat {
            var label: Identifier?
            if current.kind == .identifier, peek().kind == .colon {
                let token = advance()
                label = Identifier(token.text, span: span(token))
                advance()
            }
            let value = try parseClauseExpression("an argument")
            arguments.append(Argument(label: label, value: value))
        } while accept(.comma) != nil
        _ = try expect(closing, "`,` or `)`")
        return arguments
    }

    /// Comma-separated expressions up to the closing token (already past the opener);
    /// a trailing comma is allowed.
    mutating func parseList(closing: TokenKind) throws -> [Expression] {
        var items: [Expression] = []
        while accept(closing) == nil {
            items.append(try parseClauseExpression("a value or `\(closing == .rightBracket ? "]" : ")")`"))
            if accept(.comma) == nil {
                _ = try expect(closing, "`,` or `\(closing == .rightBracket ? "]" : ")")`")
                break
            }
        }
        return items
    }
}
