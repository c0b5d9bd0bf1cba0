import TallySource

extension Parser {
    /// Words that begin a top-level declaration.
    static let declarationWords: Set<String> = [
        "program", "currency", "timezone", "include", "referrer", "attribution", "fraud", "rule",
        "table", "tiers", "limit", "hold", "clawback", "payout",
    ]

    func startsDeclaration(_ token: Token) -> Bool { Parser.startsDeclaration(token) }

    static func startsDeclaration(_ token: Token) -> Bool {
        token.kind == .identifier && Parser.declarationWords.contains(token.text)
    }

    mutating func parseFile() -> [Declaration] {
        var declarations: [Declaration] = []
        while !atEnd {
            let before = position
            do {
                if let declaration = try parseDeclaration() { declarations.append(declaration) }
            } catch {
                synchronise(stoppingAt: Parser.startsDeclaration)
                // A stray `}` at top level: skip it, after saying so.
                if current.kind == .rightBrace, !atEnd {
                    if position == before {
                        self.error("syntax.unexpected-token", "unexpected `}` outside any block", at: span(current),
                                   help: "remove it, or check the block above for a missing `{`")
                    }
                    advance()
                }
            }
            if position == before { skipLine() }
        }
        return declarations
    }

    mutating func parseDeclaration() throws -> Declaration? {
        let start = current.start
        guard current.kind == .identifier else {
            if current.kind == .rightBrace {
                error("syntax.unexpected-token", "unexpected `}` outside any block", at: span(current),
                      help: "remove it, or check the block above for a missing `{`")
                advance()
                return nil
            }
            try fail(expected: "a declaration such as `rule`, `attribution` or `limit`")
        }
        switch current.text {
        case "program":
            advance()
            if current.kind != .string, current.kind == .identifier, !current.startsLine {
                // `program Acme Outdoor`: report it, and keep the name so checking goes on.
                let first = current
                var words: [String] = []
                while current.kind == .identifier, !current.startsLine || words.isEmpty { words.append(advance().text) }
                let text = words.joined(separator: " ")
                error("syntax.expected-token", "expected the program's name in quotes, found `\(first.text)`",
                      at: Span(file: file, start: first.start, end: previousEnd), help: "write `program \"\(text)\"`")
                return .program(StringLiteral(value: text, raw: "\"\(text)\"", span: span(from: first.start)), span: span(from: start))
            }
            let name = try expectString("the program's name in quotes", help: "write `program \"Acme partner program\"`")
            return .program(name, span: span(from: start))
        case "currency":
            advance()
            let code = try expectIdentifier("a currency code such as `USD`")
            return .currency(code, span: span(from: start))
        case "timezone":
            advance()
            let zone = try expectString("a time zone in quotes", help: "write `timezone \"America/New_York\"`")
            return .timezone(zone, span: span(from: start))
        case "include":
            advance()
            let path = try expectString("a file path in quotes", help: "write `include \"rates.tally\"`")
            return .include(path, span: span(from: start))
        case "referrer": return .referrerFields(try parseReferrerFields())
        case "attribution": return .attribution(try parseAttribution())
        case "fraud": return .fraud(try parseFraud())
        case "rule": return .rule(try parseRule())
        case "table": return .table(try parseTable())
        case "tiers": return .tiers(try parseTiers())
        case "limit": return .limit(try parseLimit())
        case "hold":
            advance()
            let duration = try parseClauseExpression("a duration such as `30 days`")
            return .hold(duration, span: span(from: start))
        case "clawback":
            advance()
            _ = try expectWord("refunds", help: "write `clawback refunds proportionally` or `clawback refunds never`")
            guard isWord("proportionally") || isWord("never") else {
                try fail(expected: "`proportionally` or `never`")
            }
            let mode = advance()
            return .clawback(Identifier(mode.text, span: span(mode)), span: span(from: start))
        case "payout":
            advance()
            let period = try parsePeriodWord()
            _ = try expectWord("minimum", help: "write `payout monthly minimum 50 USD`")
            let minimum = try parseClauseExpression("a minimum amount such as `50 USD`")
            return .payout(period: period, minimum: minimum, span: span(from: start))
        default:
            let help = Suggestion.didYouMean(current.text, among: Array(Parser.declarationWords))
            try fail(expected: "a declaration such as `rule`, `attribution` or `limit`", help: help)
        }
    }

    static let periodWords: Set<String> = ["month", "monthly", "quarter", "quarterly", "year", "yearly"]

    mutating func parsePeriodWord() throws -> Identifier {
        guard current.kind == .identifier, Parser.periodWords.contains(current.text) else {
            let help = current.kind == .identifier
                ? (Suggestion.didYouMean(current.text, among: Array(Parser.periodWords))
                   ?? "periods are calendar months, quarters or years: `month`, `quarter`, `year`")
                : nil
            try fail(expected: "a period (`month`, `quarter` or `year`)", help: help)
        }
        let token = advance()
        return Identifier(token.text, span: span(token))
    }

    /// Parses the items of a `{ … }` block. `item` parses one item starting at the
    /// current token; on an error the rest of that line is skipped. A declaration
    /// word at the start of a line that is not an item closes the block (the `}` was
    /// forgotten), with an error.
    mutating func parseBlock(named what: String, itemWords: Set<String>, rowsPerLine: Bool = false,
                             _ item: (inout Parser) throws -> Void) throws -> Int {
        _ = try expect(.leftBrace, "`{` to open \(what)")
        while true {
            if let close = accept(.rightBrace) { return close.start }
            if atEnd || (current.startsLine && startsDeclaration(current) && !itemWords.contains(current.text)) {
                error("syntax.missing-brace", "expected `}` to close \(what)", at: span(current),
                      help: "add `}` at the end of \(what)")
                return previousEnd
            }
            let before = position
            do {
                try item(&self)
            } catch {
                synchronise(stoppingAt: { token in
                    rowsPerLine || (token.kind == .identifier && (itemWords.contains(token.text) || Parser.startsDeclaration(token)))
                })
            }
            if position == before { skipLine() }
        }
    }

    mutating func parseReferrerFields() throws -> ReferrerFields {
        let start = advance().start
        _ = try expectWord("fields", help: "write `referrer fields { followers: number }`")
        var fields: [FieldDeclaration] = []
        _ = try parseBlock(named: "the referrer fields", itemWords: [], rowsPerLine: true) { parser in
            let name = try parser.expectIdentifier("a field name")
            _ = try parser.expect(.colon, "`:` and a type", help: "write `\(name.name): string`")
            let type = try parser.expectIdentifier("a type such as `string` or `number`")
            fields.append(FieldDeclaration(name: name, type: type, span: name.span.union(type.span)))
        }
        return ReferrerFields(fields: fields, span: span(from: start))
    }

    mutating func parseAttribution() throws -> AttributionBlock {
        let start = advance().start
        var items: [AttributionItem] = []
        let words: Set<String> = ["model", "lookback", "evidence"]
        _ = try parseBlock(named: "the attribution block", itemWords: words) { parser in
            let itemStart = parser.current.start
            if parser.acceptWord("model") != nil {
                let name = try parser.expectIdentifier("a model such as `last_touch`")
                var arguments: [Argument]?
                if parser.current.kind == .leftParen {
                    parser.advance()
                    arguments = try parser.parseArguments(closing: .rightParen)
                }
                items.append(.model(name: name, arguments: arguments, span: parser.span(from: itemStart)))
            } else if parser.acceptWord("lookback") != nil {
                let value = try parser.parseClauseExpression("a duration such as `30 days`")
                items.append(.lookback(value, span: parser.span(from: itemStart)))
            } else if parser.acceptWord("evidence") != nil {
                var classes = [try parser.expectIdentifier("an evidence class (`coupon`, `click` or `survey`)")]
                while parser.accept(.greater) != nil {
                    classes.append(try parser.expectIdentifier("an evidence class (`coupon`, `click` or `survey`)"))
                }
                items.append(.evidence(classes, span: parser.span(from: itemStart)))
            } else {
                let help = parser.current.kind == .identifier ? Suggestion.didYouMean(parser.current.text, among: Array(words)) : nil
                try parser.fail(expected: "`model`, `lookback` or `evidence`", help: help)
            }
        }
        return AttributionBlock(items: items, span: span(from: start))
    }

    mutating func parseFraud() throws -> FraudBlock {
        let start = advance().start
        var checks: [FraudCheck] = []
        _ = try parseBlock(named: "the fraud block", itemWords: ["reject", "hold"]) { parser in
            let checkStart = parser.current.start
            guard parser.isWord("reject") || parser.isWord("hold") else {
                try parser.fail(expected: "`reject` or `hold`")
            }
            let actionToken = parser.advance()
            let action = Identifier(actionToken.text, span: parser.span(actionToken))
            guard parser.isWord("touch") || parser.isWord("order") || parser.isWord("click") else {
                try parser.fail(expected: "`touch` or `order`", help: "write `\(action.name) touch \"reason\" when …` or `\(action.name) order \"reason\" when …`")
            }
            let subjectToken = parser.advance()
            let subject = Identifier(subjectToken.text == "click" ? "touch" : subjectToken.text, span: parser.span(subjectToken))
            let reason = try parser.expectString("the reason in quotes", help: "write `\(action.name) \(subject.name) \"click flooding\" when …`")
            _ = try parser.expectWord("when")
            let condition = try parser.parseClauseExpression("a condition")
            checks.append(FraudCheck(action: action, subject: subject, reason: reason, condition: condition,
                                     span: parser.span(from: checkStart)))
        }
        return FraudBlock(checks: checks, span: span(from: start))
    }

    mutating func parseRule() throws -> Rule {
        let start = advance().start
        let id = try expectIdentifier("the rule's id", help: "write `rule base \"Standard rate\" { … }`")
        var title: StringLiteral?
        if current.kind == .string {
            let token = advance()
            title = StringLiteral(value: token.value, raw: token.text, span: span(token))
        }
        var replaces: [Identifier] = []
        if acceptWord("replaces") != nil {
            replaces.append(try expectIdentifier("the id of the rule this one replaces"))
            while accept(.comma) != nil {
                replaces.append(try expectIdentifier("the id of the rule this one replaces"))
            }
        }
        var clauses: [RuleClause] = []
        let words: Set<String> = ["when", "pay", "effective"]
        _ = try parseBlock(named: "rule `\(id.name)`", itemWords: words) { parser in
            clauses.append(try parser.parseRuleClause(words))
        }
        return Rule(id: id, title: title, replaces: replaces, clauses: clauses, span: span(from: start))
    }

    mutating func parseRuleClause(_ words: Set<String>) throws -> RuleClause {
        let start = current.start
        if acceptWord("effective") != nil {
            var from: Expression?
            var until: Expression?
            if acceptWord("from") != nil || current.kind == .date || current.kind == .timestamp {
                from = try parseDateLiteral()
            }
            if acceptWord("until") != nil {
                until = try parseDateLiteral()
            }
            if from == nil && until == nil {
                try fail(expected: "a date such as `2026-01-01`", help: "write `effective 2026-01-01 until 2026-07-01`")
            }
            return .effective(from: from, until: until, span: span(from: start))
        }
        if acceptWord("when") != nil {
            let condition = try parseClauseExpression("a condition")
            return .when(condition, span: span(from: start))
        }
        if acceptWord("pay") != nil {
            let amount = try parseClauseExpression("an amount such as `8% of credit.net` or `5 USD`")
            var base: Expression?
            if acceptWord("of") != nil {
                base = try parseClauseExpression("the base the rate applies to, such as `credit.net`")
            }
            var per: PerItem?
            var filter: Expression?
            if acceptWord("per") != nil {
                if acceptWord("line") != nil { per = .line }
                else if acceptWord("unit") != nil { per = .unit }
                else { try fail(expected: "`line` or `unit`", help: "write `per line` or `per unit`") }
                if acceptWord("where") != nil {
                    filter = try parseClauseExpression("a condition on `line`")
                }
            } else if isWord("where") {
                try fail(expected: "`per line` or `per unit` before `where`", help: "write `pay 3 USD per line where line.sku == \"TENT-2P\"`")
            }
            return .pay(Payment(amount: amount, base: base, per: per, filter: filter, span: span(from: start)))
        }
        let help = current.kind == .identifier ? Suggestion.didYouMean(current.text, among: Array(words)) : nil
        try fail(expected: "`when`, `pay` or `effective`", help: help)
    }

    mutating func parseDateLiteral() throws -> Expression {
        guard current.kind == .date || current.kind == .timestamp else {
            try fail(expected: "a date such as `2026-01-01`")
        }
        let token = advance()
        return Expression(token.kind == .date ? .date(token.text) : .timestamp(token.text), span: span(token))
    }

    mutating func parseTable() throws -> Table {
        let start = advance().start
        let name = try expectIdentifier("the table's name", help: "write `table rate_grid(kind: string, tier: string) -> percent { … }`")
        _ = try expect(.leftParen, "`(` and the table's keys", help: "write `table \(name.name)(kind: string, tier: string) -> percent { … }`")
        var keys: [TableKey] = []
        repeat {
            let keyStart = current.start
            let keyName = try expectIdentifier("a key name")
            _ = try expect(.colon, "`:` and the key's type")
            let type = try expectIdentifier("a type such as `string`")
            var domain: [Expression]?
            if acceptWord("in") != nil {
                _ = try expect(.leftBracket, "`[` and the key's values")
                domain = try parseList(closing: .rightBracket)
            }
            keys.append(TableKey(name: keyName, type: type, domain: domain, span: span(from: keyStart)))
        } while accept(.comma) != nil
        _ = try expect(.rightParen, "`)` after the table's keys")
        _ = try expect(.arrow, "`->` and the type of the table's values", help: "write `-> percent`")
        let valueType = try expectIdentifier("the type of the table's values, such as `percent`")
        var rows: [TableRow] = []
        _ = try parseBlock(named: "table `\(name.name)`", itemWords: ["default"], rowsPerLine: true) { parser in
            let rowStart = parser.current.start
            var rowKeys: [Expression]?
            if parser.acceptWord("default") == nil {
                var values = [try parser.parseClauseExpression("the row's key values")]
                while parser.accept(.comma) != nil {
                    values.append(try parser.parseClauseExpression("a key value"))
                }
                rowKeys = values
            }
            _ = try parser.expect(.arrow, "`->` and the row's value", help: "write `\"influencer\", \"gold\" -> 12%`")
            let value = try parser.parseClauseExpression("the row's value")
            rows.append(TableRow(keys: rowKeys, value: value, span: parser.span(from: rowStart)))
        }
        return Table(name: name, keys: keys, valueType: valueType, rows: rows, span: span(from: start))
    }

    mutating func parseTiers() throws -> Tiers {
        let start = advance().start
        let name = try expectIdentifier("the tiers' name", help: "write `tiers volume marginal by revenue per month { … }`")
        guard isWord("retroactive") || isWord("marginal") else {
            try fail(expected: "`retroactive` or `marginal`",
                     help: "retroactive: the tier reached sets the rate for the whole period; marginal: each band pays its own rate")
        }
        let modeToken = advance()
        let mode = Identifier(modeToken.text, span: span(modeToken))
        _ = try expectWord("by", help: "write `by revenue`, `by orders` or `by customers`")
        let metric = try expectIdentifier("a metric (`revenue`, `orders` or `customers`)")
        let period: TierPeriod
        if acceptWord("per") != nil {
            period = .calendar(try parsePeriodWord())
        } else if acceptWord("within") != nil {
            period = .trailing(try parseClauseExpression("a duration such as `90 days`"))
        } else {
            try fail(expected: "`per month` or `within` a duration")
        }
        var bands: [TierBand] = []
        _ = try parseBlock(named: "tiers `\(name.name)`", itemWords: [], rowsPerLine: true) { parser in
            let bandStart = parser.current.start
            let threshold = try parser.parseClauseExpression("a threshold such as `1000 USD`")
            _ = try parser.expect(.arrow, "`->` and the band's rate", help: "write `1000 USD -> 7%`")
            let rate = try parser.parseClauseExpression("the band's rate")
            bands.append(TierBand(threshold: threshold, rate: rate, span: parser.span(from: bandStart)))
        }
        return Tiers(name: name, mode: mode, metric: metric, period: period, bands: bands, span: span(from: start))
    }

    mutating func parseLimit() throws -> Limit {
        let start = advance().start
        let amount = try parseClauseExpression("an amount such as `500 USD`")
        _ = try expectWord("per", help: "write `limit 500 USD per referrer per month` or `limit 100 USD per order`")
        if acceptWord("order") != nil {
            return Limit(amount: amount, referrerPeriod: nil, span: span(from: start))
        }
        guard acceptWord("referrer") != nil else {
            try fail(expected: "`order` or `referrer`", help: "write `per order` or `per referrer per month`")
        }
        _ = try expectWord("per", help: "write `per referrer per month`")
        let period = try parsePeriodWord()
        return Limit(amount: amount, referrerPeriod: period, span: span(from: start))
    }
}
