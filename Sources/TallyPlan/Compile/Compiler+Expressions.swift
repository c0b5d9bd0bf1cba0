import TallyCheck
import TallySyntax
import TallyValues

extension PlanCompiler {
    /// Compiles a checked expression.
    mutating func compile(_ expression: Expression) -> Code {
        switch expression.kind {
        case .number, .percent, .string, .bool, .date, .timestamp, .quantity:
            return .constant(constantValue(expression))
        case .list where isConstant(expression):
            return .constant(constantValue(expression))
        case .list(let items):
            return .list(items.map { compile($0) })
        case .unary(.negate, let inner):
            if isConstant(inner) { return .constant(constantValue(expression)) }
            return .negate(compile(inner))
        case .unary(.not, let inner):
            return .not(compile(inner))
        case .labelled(let inner, let label):
            return .labelled(compile(inner), label.value)
        case .binary(let op, let left, let right):
            switch op {
            case .and: return .and(flatten(.and, expression).map { compile($0) })
            case .or: return .or(flatten(.or, expression).map { compile($0) })
            case .equal: return .compare(.equal, emailAware(left, right), emailAware(right, left))
            case .notEqual: return .compare(.notEqual, emailAware(left, right), emailAware(right, left))
            case .less: return .compare(.less, compile(left), compile(right))
            case .lessEqual: return .compare(.lessEqual, compile(left), compile(right))
            case .greater: return .compare(.greater, compile(left), compile(right))
            case .greaterEqual: return .compare(.greaterEqual, compile(left), compile(right))
            case .in: return .member(compile(left), compile(right), negated: false)
            case .notIn: return .member(compile(left), compile(right), negated: true)
            case .add: return .arithmetic(.add, compile(left), compile(right))
            case .subtract: return .arithmetic(.subtract, compile(left), compile(right))
            case .multiply: return .arithmetic(.multiply, compile(left), compile(right))
            case .divide: return .arithmetic(.divide, compile(left), compile(right))
            }
        case .name(let identifier):
            // A bare record name stands for its id (aggregate keys such as `by referrer`).
            switch identifier.name {
            case "referrer": return .field(.referrer(.id))
            case "customer": return .field(.customer(.id))
            case "order": return .field(.order(.id))
            default: return .constant(.missing)
            }
        case .member(let base, let field):
            return .field(slot(base: base, field: field.name))
        case .call(let callee, let arguments):
            if case .member = callee.kind, let window = arguments.first.flatMap({ Constant.duration($0.value) }) {
                return .isNewWithin(window)
            }
            guard case .name(let name) = callee.kind, let function = Code.Function(rawValue: name.name) else { return .constant(.missing) }
            return .call(function, arguments.map { compile($0.value) })
        case .index(let target, let keys):
            guard case .name(let name) = target.kind, let index = tableIndex[name.name] else { return .constant(.missing) }
            return .lookup(index, keys.map { compile($0) })
        case .aggregate(let aggregate):
            let keyName: String
            switch aggregate.key.kind {
            case .member(_, let field): keyName = field.name
            case .name(let name): keyName = name.name
            default: keyName = "?"
            }
            let spec = AggregateSpec(function: AggregateSpec.Function(rawValue: aggregate.function.name) ?? .count,
                                     events: AggregateSpec.Events(rawValue: aggregate.events.name) ?? .clicks,
                                     field: aggregate.field?.name, key: keyName,
                                     windowSeconds: Constant.duration(aggregate.window) ?? 0,
                                     text: ExpressionPrinter.print(expression))
            let index: Int
            if let existing = aggregates.firstIndex(of: spec) { index = existing } else {
                aggregates.append(spec)
                index = aggregates.count - 1
            }
            return .aggregate(index, key: compile(aggregate.key))
        default:
            return .constant(.missing)
        }
    }

    /// Emails are compared trimmed and lower-cased (DESIGN.md, "Fraud"): when either side
    /// of `==` / `!=` is an `email` field, both sides are normalised.
    mutating func emailAware(_ side: Expression, _ other: Expression) -> Code {
        func isEmail(_ expression: Expression) -> Bool {
            if case .member(_, let field) = expression.kind { return field.name == "email" }
            return false
        }
        let code = compile(side)
        guard isEmail(side) || isEmail(other) else { return code }
        return .call(.lower, [.call(.trim, [code])])
    }

    func isConstant(_ expression: Expression) -> Bool {
        switch expression.kind {
        case .number, .percent, .string, .bool, .date, .timestamp, .quantity: return true
        case .unary(.negate, let inner): return isConstant(inner)
        case .list(let items): return items.allSatisfy(isConstant)
        default: return false
        }
    }

    func flatten(_ op: BinaryOperator, _ expression: Expression) -> [Expression] {
        if case .binary(let inner, let left, let right) = expression.kind, inner == op {
            return flatten(op, left) + flatten(op, right)
        }
        return [expression]
    }

    /// The slot for `base.field`.
    func slot(base: Expression, field: String) -> FieldSlot {
        switch base.kind {
        case .name(let record):
            let name = record.name == "click" ? "touch" : record.name
            switch name {
            // `order.customer` as a value (an aggregate key) is the customer's id.
            case "order": return field == "customer" ? .customer(.id) : .order(OrderField(rawValue: field) ?? .id)
            case "customer": return .customer(CustomerField(rawValue: field) ?? .id)
            case "referrer":
                if let builtin = ReferrerField(rawValue: field) { return .referrer(builtin) }
                return .referrerExtra(program.schema.referrerExtras.firstIndex { $0.name == field } ?? 0)
            case "touch": return field == "referrer" ? .touchReferrer(.id) : .touch(TouchField(rawValue: field) ?? .id)
            case "credit": return .credit(CreditField(rawValue: field) ?? .net)
            case "line": return .line(LineField(rawValue: field) ?? .sku)
            default: return .order(.id)
            }
        case .member(let inner, let middle):
            if case .name(let record) = inner.kind, record.name == "order", middle.name == "customer" {
                return .orderCustomer(CustomerField(rawValue: field) ?? .id)
            }
            if case .name(let record) = inner.kind, record.name == "touch" || record.name == "click", middle.name == "referrer" {
                return .touchReferrer(ReferrerField(rawValue: field) ?? .id)
            }
            return .order(.id)
        default:
            return .order(.id)
        }
    }
}
