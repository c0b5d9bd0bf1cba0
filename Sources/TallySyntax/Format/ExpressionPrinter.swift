/// Prints expressions in canonical form on one line, with the fewest parentheses that
/// keep the tree as parsed.
public enum ExpressionPrinter {
    public static func print(_ expression: Expression) -> String {
        var out = ""
        write(expression, into: &out)
        return out
    }

    /// The precedence of the node at the top of `expression`.
    static func precedence(_ expression: Expression) -> Int {
        switch expression.kind {
        case .binary(let op, _, _): return op.precedence
        case .labelled: return Precedence.labelOrNot
        case .unary(.not, _): return Precedence.labelOrNot
        case .unary(.negate, _): return Precedence.unary
        case .quantity, .percent: return Precedence.unary
        default: return Precedence.postfix
        }
    }

    static func write(_ expression: Expression, into out: inout String) {
        switch expression.kind {
        case .number(let text): out += text
        case .quantity(let number, let unit): out += "\(number) \(unit.name)"
        case .percent(let number): out += "\(number)%"
        case .string(let literal): out += literal.raw
        case .date(let text), .timestamp(let text): out += text
        case .bool(let value): out += value ? "true" : "false"
        case .name(let identifier): out += identifier.name
        case .member(let base, let field):
            writeOperand(base, minimum: Precedence.postfix, into: &out)
            out += ".\(field.name)"
        case .call(let callee, let arguments):
            writeOperand(callee, minimum: Precedence.postfix, into: &out)
            out += "("
            for (index, argument) in arguments.enumerated() {
                if index > 0 { out += ", " }
                if let label = argument.label { out += "\(label.name): " }
                write(argument.value, into: &out)
            }
            out += ")"
        case .index(let table, let keys):
            writeOperand(table, minimum: Precedence.postfix, into: &out)
            out += "["
            writeList(keys, into: &out)
            out += "]"
        case .unary(.negate, let operand):
            out += "-"
            writeOperand(operand, minimum: Precedence.unary, into: &out)
        case .unary(.not, let operand):
            out += "not "
            writeOperand(operand, minimum: Precedence.comparison, into: &out)
        case .binary(let op, let left, let right):
            let level = op.precedence
            writeOperand(left, minimum: op.isComparison ? level + 1 : level, into: &out)
            out += " \(op.rawValue) "
            writeOperand(right, minimum: op == .and ? Precedence.labelOrNot : level + 1, into: &out)
        case .list(let items):
            out += "["
            writeList(items, into: &out)
            out += "]"
        case .labelled(let condition, let label):
            writeOperand(condition, minimum: Precedence.labelOrNot, into: &out)
            out += " because \(label.raw)"
        case .aggregate(let aggregate):
            out += "\(aggregate.function.name)(\(aggregate.events.name)"
            if let field = aggregate.field { out += ".\(field.name)" }
            out += " by "
            write(aggregate.key, into: &out)
            out += " within "
            write(aggregate.window, into: &out)
            out += ")"
        case .error:
            out += "<error>"
        }
    }

    static func writeOperand(_ expression: Expression, minimum: Int, into out: inout String) {
        // A label inside a comparison or arithmetic would re-attach elsewhere: keep parens.
        if precedence(expression) < minimum {
            out += "("
            write(expression, into: &out)
            out += ")"
        } else {
            write(expression, into: &out)
        }
    }

    static func writeList(_ items: [Expression], into out: inout String) {
        for (index, item) in items.enumerated() {
            if index > 0 { out += ", " }
            write(item, into: &out)
        }
    }
}
