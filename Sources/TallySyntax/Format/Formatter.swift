import TallySource

/// The canonical layout of a `.tally` file: two-space indentation, one clause per
/// line, `{` on the declaration's line, one blank line around blocks, at most one
/// blank line anywhere, comments kept where they were (a comment inside a clause
/// moves to its own line before the next one). Formatting is idempotent.
public struct Formatter {
    private let program: SourceProgram
    private var pending: [Comment]
    private var out = ""
    /// End offset of the last source item or comment printed.
    private var lastEnd = 0
    private var startOfFile = true

    /// Formats a parsed program. Only call with a program that parsed without errors:
    /// the formatter prints the tree, and a tree with holes would lose text.
    public static func format(_ program: SourceProgram) -> String {
        var formatter = Formatter(program: program)
        formatter.run()
        return formatter.out
    }

    private init(program: SourceProgram) {
        self.program = program
        self.pending = program.comments
    }

    private var bytes: [UInt8] { program.file.bytes }

    /// True when the source has an empty line between `from` and `to`.
    private func blankLineBetween(_ from: Int, _ to: Int) -> Bool {
        guard from < to else { return false }
        var newlines = 0
        var index = from
        let end = min(to, bytes.count)
        while index < end {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") {
                newlines += 1
                if newlines >= 2 { return true }
            } else if byte != UInt8(ascii: " "), byte != UInt8(ascii: "\t"), byte != UInt8(ascii: "\r") {
                newlines = 0
            }
            index += 1
        }
        return false
    }

    private func line(of offset: Int) -> Int { program.file.location(of: offset).line }

    private mutating func emitLine(_ text: String, indent: Int) {
        out += String(repeating: "  ", count: indent) + text + "\n"
        startOfFile = false
    }

    private mutating func blankLine() {
        if !startOfFile, !out.hasSuffix("\n\n") { out += "\n" }
    }

    /// Prints comments that start before `offset`, each on its own line, keeping one
    /// blank line where the source had one.
    private mutating func flushComments(before offset: Int, indent: Int) {
        while let comment = pending.first, comment.start < offset {
            pending.removeFirst()
            if blankLineBetween(lastEnd, comment.start) { blankLine() }
            emitLine(comment.text, indent: indent)
            lastEnd = comment.end
        }
    }

    /// Prints one line-sized item: its leading comments, the text, and a trailing
    /// comment that sits on the line where the item ends.
    private mutating func emitItem(_ text: String, span: Span, indent: Int, blankBefore: Bool = false) {
        if blankBefore { blankLine() }
        flushComments(before: span.start, indent: indent)
        if !blankBefore, blankLineBetween(lastEnd, span.start) { blankLine() }
        var lineText = text
        if let comment = pending.first, comment.start >= span.end, !comment.ownLine, line(of: comment.start) == line(of: span.end) {
            pending.removeFirst()
            lineText += "  " + comment.text
            lastEnd = comment.end
        } else {
            lastEnd = span.end
        }
        emitLine(lineText, indent: indent)
        lastEnd = max(lastEnd, span.end)
    }

    /// Prints a block: header line, items, closing brace (with comments before it).
    private mutating func emitBlock(header: String, span: Span, indent: Int, items: [(String, Span)]) {
        blankLine()
        flushComments(before: span.start, indent: indent)
        var headerText = header + " {"
        let firstItemStart = items.first?.1.start ?? span.end
        if let comment = pending.first, !comment.ownLine, comment.start < firstItemStart,
           line(of: comment.start) == line(of: span.start) {
            pending.removeFirst()
            headerText += "  " + comment.text
            lastEnd = comment.end
        } else {
            lastEnd = span.start
        }
        emitLine(headerText, indent: indent)
        var first = true
        for (text, itemSpan) in items {
            if first {
                // No blank line right after `{`.
                lastEnd = max(lastEnd, itemSpan.start)
                flushComments(before: itemSpan.start, indent: indent + 1)
                first = false
            }
            emitItem(text, span: itemSpan, indent: indent + 1)
        }
        // Comments before the closing brace stay inside the block.
        let closing = span.end - 1
        while let comment = pending.first, comment.start < closing {
            pending.removeFirst()
            if blankLineBetween(lastEnd, comment.start), !items.isEmpty { blankLine() }
            emitLine(comment.text, indent: indent + 1)
            lastEnd = comment.end
        }
        emitItem("}", span: Span(file: span.file, start: closing, end: span.end), indent: indent)
        blankLine()
    }

    private mutating func run() {
        for declaration in program.declarations {
            emit(declaration)
        }
        flushRemaining()
        while out.hasSuffix("\n\n") { out.removeLast() }
        if out == "\n" { out = "" }
    }

    private mutating func flushRemaining() {
        while let comment = pending.first {
            pending.removeFirst()
            if blankLineBetween(lastEnd, comment.start) { blankLine() }
            emitLine(comment.text, indent: 0)
            lastEnd = comment.end
        }
    }

    private func print(_ expression: Expression) -> String { ExpressionPrinter.print(expression) }

    private mutating func emit(_ declaration: Declaration) {
        switch declaration {
        case .program(let name, let span): emitItem("program \(name.raw)", span: span, indent: 0)
        case .currency(let code, let span): emitItem("currency \(code.name)", span: span, indent: 0)
        case .timezone(let zone, let span): emitItem("timezone \(zone.raw)", span: span, indent: 0)
        case .include(let path, let span): emitItem("include \(path.raw)", span: span, indent: 0)
        case .hold(let duration, let span): emitItem("hold \(print(duration))", span: span, indent: 0)
        case .clawback(let mode, let span): emitItem("clawback refunds \(mode.name)", span: span, indent: 0)
        case .payout(let period, let minimum, let span):
            emitItem("payout \(period.name) minimum \(print(minimum))", span: span, indent: 0)
        case .limit(let limit):
            let scope = limit.referrerPeriod.map { "per referrer per \($0.name)" } ?? "per order"
            emitItem("limit \(print(limit.amount)) \(scope)", span: limit.span, indent: 0)
        case .referrerFields(let block):
            emitBlock(header: "referrer fields", span: block.span, indent: 0,
                      items: block.fields.map { ("\($0.name.name): \($0.type.name)", $0.span) })
        case .attribution(let block):
            emitBlock(header: "attribution", span: block.span, indent: 0, items: block.items.map { item in
                switch item {
                case .model(let name, let arguments, let span):
                    var text = "model \(name.name)"
                    if let arguments {
                        text += "(" + arguments.map { ($0.label.map { "\($0.name): " } ?? "") + print($0.value) }
                            .joined(separator: ", ") + ")"
                    }
                    return (text, span)
                case .lookback(let value, let span): return ("lookback \(print(value))", span)
                case .evidence(let classes, let span):
                    return ("evidence " + classes.map(\.name).joined(separator: " > "), span)
                }
            })
        case .fraud(let block):
            emitBlock(header: "fraud", span: block.span, indent: 0, items: block.checks.map { check in
                ("\(check.action.name) \(check.subject.name) \(check.reason.raw) when \(print(check.condition))", check.span)
            })
        case .rule(let rule):
            var header = "rule \(rule.id.name)"
            if let title = rule.title { header += " \(title.raw)" }
            if !rule.replaces.isEmpty { header += " replaces " + rule.replaces.map(\.name).joined(separator: ", ") }
            emitBlock(header: header, span: rule.span, indent: 0, items: rule.clauses.map { clause in
                switch clause {
                case .effective(let from, let until, let span):
                    var text = "effective"
                    if let from { text += " \(print(from))" }
                    if let until { text += " until \(print(until))" }
                    return (text, span)
                case .when(let condition, let span): return ("when \(print(condition))", span)
                case .pay(let payment):
                    var text = "pay \(print(payment.amount))"
                    if let base = payment.base { text += " of \(print(base))" }
                    if let per = payment.per { text += " per \(per.rawValue)" }
                    if let filter = payment.filter { text += " where \(print(filter))" }
                    return (text, payment.span)
                }
            })
        case .table(let table):
            let keys = table.keys.map { key in
                var text = "\(key.name.name): \(key.type.name)"
                if let domain = key.domain { text += " in [" + domain.map(print).joined(separator: ", ") + "]" }
                return text
            }.joined(separator: ", ")
            emitBlock(header: "table \(table.name.name)(\(keys)) -> \(table.valueType.name)", span: table.span, indent: 0,
                      items: table.rows.map { row in
                          let keys = row.keys.map { $0.map(print).joined(separator: ", ") } ?? "default"
                          return ("\(keys) -> \(print(row.value))", row.span)
                      })
        case .tiers(let tiers):
            let period: String
            switch tiers.period {
            case .calendar(let word): period = "per \(word.name)"
            case .trailing(let window): period = "within \(print(window))"
            }
            emitBlock(header: "tiers \(tiers.name.name) \(tiers.mode.name) by \(tiers.metric.name) \(period)",
                      span: tiers.span, indent: 0,
                      items: tiers.bands.map { ("\(print($0.threshold)) -> \(print($0.rate))", $0.span) })
        }
    }
}
