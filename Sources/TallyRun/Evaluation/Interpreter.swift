import TallyLedgers
import TallyPlan
import TallyValues

/// Evaluates compiled code against a scope.
struct Interpreter {
    let plan: Plan
    /// The ledger's referrers, which a scope names by index.
    let referrers: [Referrer]
    /// The ledger's orders, which an order's view names by position.
    let orders: [Order]

    /// An order's lines as rules see them: converted, or the order's own.
    func lines(of view: OrderView) -> [LineView] {
        view.convertedLines ?? orders[view.position].lines.map { LineView(line: $0, price: $0.price, amount: $0.amount, discount: $0.discount) }
    }

    func evaluate(_ code: Code, _ scope: Scope) -> Value {
        switch code {
        case .constant(let value): return value
        case .field(let slot): return read(slot, scope)
        case .isNewWithin(let window):
            guard let customer = scope.customer, let at = scope.order?.at else { return .missing }
            guard let previous = customer.previousOrderAt else { return .bool(true) }
            return .bool(at.secondsSinceEpoch - previous.secondsSinceEpoch > window)
        case .not(let inner):
            if case .bool(let value) = evaluate(inner, scope) { return .bool(!value) }
            return .missing
        case .negate(let inner):
            switch evaluate(inner, scope) {
            case .number(let value): return .number(ExactDecimal(significand: -value.significand, scale: value.scale))
            case .money(let value): return .money(-value)
            case .percent(let value): return .percent(ExactDecimal(significand: -value.significand, scale: value.scale))
            case .duration(let value): return .duration(-value)
            default: return .missing
            }
        case .and(let items):
            for item in items where !evaluate(item, scope).isTrueValue { return .bool(false) }
            return .bool(true)
        case .or(let items):
            for item in items where evaluate(item, scope).isTrueValue { return .bool(true) }
            return .bool(false)
        case .labelled(let inner, _):
            return evaluate(inner, scope)
        case .compare(let op, let left, let right):
            return .bool(Interpreter.compare(op, evaluate(left, scope), evaluate(right, scope)))
        case .arithmetic(let op, let left, let right):
            return Interpreter.arithmetic(op, evaluate(left, scope), evaluate(right, scope))
        case .member(let item, let list, let negated):
            guard case .list(let values) = evaluate(list, scope) else { return .missing }
            let value = evaluate(item, scope)
            if case .missing = value { return .bool(false) }
            let found = values.contains { Interpreter.compare(.equal, value, $0) }
            return .bool(negated ? !found : found)
        case .call(let function, let arguments):
            return call(function, arguments.map { evaluate($0, scope) })
        case .lookup(let index, let keys):
            // One or two keys (nearly every table) compared without an array of them, and
            // the rows read in place (`rows.first { … }` copied each row it passed): a rate
            // by kind and tier is looked up for every decision.
            let rows = plan.tables[index].rows
            let row: Int?
            switch keys.count {
            case 1:
                let key = evaluate(keys[0], scope)
                row = rows.indices.first { rows[$0].keys.count == 1 && rows[$0].keys[0] == key }
            case 2:
                let first = evaluate(keys[0], scope), second = evaluate(keys[1], scope)
                row = rows.indices.first { rows[$0].keys.count == 2 && rows[$0].keys[0] == first && rows[$0].keys[1] == second }
            default:
                let values = keys.map { evaluate($0, scope) }
                row = rows.indices.first { rows[$0].keys == values }
            }
            return row.map { rows[$0].value } ?? plan.tables[index].fallback ?? .missing
        case .aggregate(let index, let key):
            guard let indexes = scope.aggregates else { return .missing }
            return indexes.value(of: plan.aggregates[index], index: index, key: evaluate(key, scope), at: scope.now)
        case .list(let items):
            return .list(items.map { evaluate($0, scope) })
        }
    }

    func call(_ function: Code.Function, _ arguments: [Value]) -> Value {
        func text(_ index: Int) -> String? {
            if case .string(let value) = arguments[index] { return value }
            return nil
        }
        switch function {
        case .lower: return text(0).map { .string($0.lowercased()) } ?? .missing
        case .upper: return text(0).map { .string($0.uppercased()) } ?? .missing
        case .trim: return text(0).map { .string($0.trimmingCharacters(in: .whitespaces)) } ?? .missing
        case .contains:
            guard let a = text(0), let b = text(1) else { return .missing }
            return .bool(a.contains(b))
        case .startsWith:
            guard let a = text(0), let b = text(1) else { return .missing }
            return .bool(a.hasPrefix(b))
        case .endsWith:
            guard let a = text(0), let b = text(1) else { return .missing }
            return .bool(a.hasSuffix(b))
        case .len:
            if case .list(let items) = arguments[0] { return .number(ExactDecimal(significand: Int64(items.count), scale: 0)) }
            return .missing
        }
    }

    // MARK: Fields

    func read(_ slot: FieldSlot, _ scope: Scope) -> Value {
        switch slot {
        case .order(let field):
            guard scope.order != nil else { return .missing }
            return orderField(field, scope.order!)
        case .customer(let field), .orderCustomer(let field):
            guard let customer = scope.customer else { return .missing }
            switch field {
            case .id: return .string(customer.id)
            case .email: return .string(customer.email)
            case .isNew: return .bool(customer.isNew)
            case .orderCount: return .number(ExactDecimal(significand: Int64(customer.orderCount), scale: 0))
            case .isReturning: return .bool(customer.orderCount > 0)
            case .firstOrderAt: return customer.firstOrderAt.map(Value.timestamp) ?? .missing
            }
        case .referrer(let field):
            guard let referrer = scope.referrer else { return .missing }
            return referrerField(field, Int(referrer))
        case .touchReferrer(let field):
            guard let touch = scope.touch, let referrer = scope.referrer, referrer == touch.referrer else { return .missing }
            return referrerField(field, Int(referrer))
        case .referrerExtra(let index):
            guard let referrer = scope.referrer.map(Int.init), index < referrers[referrer].extras.count else { return .missing }
            switch referrers[referrer].extras[index] {
            case .missing: return .missing
            case .string(let text): return .string(text)
            case .number(let value): return .number(value)
            case .money(let value): return .money(value)
            case .percent(let basisPoints): return .percent(ExactDecimal(significand: basisPoints, scale: 2))
            case .date(let date): return .date(date)
            case .timestamp(let instant): return .timestamp(instant)
            case .bool(let value): return .bool(value)
            case .duration(let seconds): return .duration(seconds)
            }
        case .touch(let field):
            guard let touch = scope.touch else { return .missing }
            let click = scope.click
            switch field {
            case .id: return .string(touch.id.text)
            case .evidence: return .string(touch.evidence.rawValue)
            case .at: return .timestamp(touch.at)
            case .code: return .string(touch.code)
            case .channel: return .string(click?.channel ?? "")
            case .campaign: return .string(click?.campaign ?? "")
            case .ip: return .string(click?.ip ?? "")
            case .device: return .string(click?.device ?? "")
            case .utmSource: return .string(click?.utmSource ?? "")
            case .utmMedium: return .string(click?.utmMedium ?? "")
            case .utmCampaign: return .string(click?.utmCampaign ?? "")
            case .utmContent: return .string(click?.utmContent ?? "")
            case .utmTerm: return .string(click?.utmTerm ?? "")
            case .landingURL: return .string(click?.landingURL ?? "")
            case .signed: return .bool(!(click?.token.isEmpty ?? true))
            }
        case .credit(let field):
            guard let credit = scope.credit else { return .missing }
            switch field {
            case .share:
                let share = credit.share
                let points = Fraction(share.numerator * 1_000_000, share.denominator).roundedHalfEven
                return .percent(ExactDecimal(significand: points, scale: 4))
            case .weight: return .number(credit.weight.decimal)
            case .evidence: return .string(credit.evidence)
            case .net: return .money(credit.net)
            case .gross: return .money(credit.gross)
            case .discount: return .money(credit.discount)
            case .shipping: return .money(credit.shipping)
            case .tax: return .money(credit.tax)
            case .giftWrap: return .money(credit.giftWrap)
            }
        case .line(let field):
            guard let line = scope.line else { return .missing }
            switch field {
            case .sku: return .string(line.line.sku)
            case .asin: return .string(line.line.asin)
            case .category: return .string(line.line.category)
            case .name: return .string(line.line.name)
            case .qty: return .number(ExactDecimal(significand: line.line.quantity, scale: 0))
            case .price: return .money(line.price)
            case .amount: return .money(line.amount)
            case .discount: return .money(line.discount)
            case .net: return .money(line.net)
            }
        }
    }

    func orderField(_ field: OrderField, _ view: OrderView) -> Value {
        let position = view.position
        switch field {
        case .id: return .string(orders[position].id)
        case .at: return .timestamp(view.at)
        case .date: return .date(view.localDate)
        case .channel: return .string(orders[position].channel)
        case .marketplace: return .string(orders[position].marketplace)
        case .status: return .string(orders[position].status)
        case .currency: return .string(orders[position].currency.code)
        case .gross: return .money(view.gross)
        case .discount: return .money(view.discount)
        case .net: return .money(view.net)
        case .shipping: return .money(view.shipping)
        case .tax: return .money(view.tax)
        case .giftWrap: return .money(view.giftWrap)
        case .promoCodes: return .list(orders[position].promoCodes.map(Value.string))
        case .coupon: return .string(view.coupon)
        case .itemCount: return .number(ExactDecimal(significand: orders[position].lines.reduce(0) { $0 + $1.quantity }, scale: 0))
        }
    }

    /// A field of the referrer at `index`, read in place.
    func referrerField(_ field: ReferrerField, _ index: Int) -> Value {
        switch field {
        case .id: return .string(referrers[index].id)
        case .name: return .string(referrers[index].name)
        case .kind: return .string(referrers[index].kind)
        case .tier: return .string(referrers[index].tier)
        case .email: return .string(referrers[index].email)
        case .status: return .string(referrers[index].status)
        case .joined: return referrers[index].joined.map(Value.date) ?? .missing
        }
    }

    // MARK: Operators

    static func compare(_ op: Code.Comparison, _ a: Value, _ b: Value) -> Bool {
        let order: Int?
        switch (a, b) {
        case (.missing, _), (_, .missing): return op == .notEqual && !(a == .missing && b == .missing)
        case (.bool(let x), .bool(let y)): order = x == y ? 0 : nil
        case (.string(let x), .string(let y)): order = x == y ? 0 : (x < y ? -1 : 1)
        case (.number(let x), .number(let y)), (.percent(let x), .percent(let y)): order = ExactDecimal.compare(x, y)
        case (.money(let x), .money(let y)), (.duration(let x), .duration(let y)): order = x == y ? 0 : (x < y ? -1 : 1)
        case (.date(let x), .date(let y)): order = x == y ? 0 : (x < y ? -1 : 1)
        case (.timestamp(let x), .timestamp(let y)): order = x == y ? 0 : (x < y ? -1 : 1)
        default: order = nil
        }
        switch op {
        case .equal: return order == 0
        case .notEqual: return order != 0
        case .less: return order.map { $0 < 0 } ?? false
        case .lessEqual: return order.map { $0 <= 0 } ?? false
        case .greater: return order.map { $0 > 0 } ?? false
        case .greaterEqual: return order.map { $0 >= 0 } ?? false
        }
    }

    static func arithmetic(_ op: Code.Arithmetic, _ a: Value, _ b: Value) -> Value {
        switch (op, a, b) {
        case (.add, .number(let x), .number(let y)): return .number(x + y)
        case (.subtract, .number(let x), .number(let y)): return .number(x - y)
        case (.multiply, .number(let x), .number(let y)): return .number(x * y)
        case (.divide, .number(let x), .number(let y)): return x.divided(by: y).map(Value.number) ?? .missing
        case (.add, .money(let x), .money(let y)): return .money(x + y)
        case (.subtract, .money(let x), .money(let y)): return .money(x - y)
        case (.add, .percent(let x), .percent(let y)): return .percent(x + y)
        case (.subtract, .percent(let x), .percent(let y)): return .percent(x - y)
        case (.add, .duration(let x), .duration(let y)): return .duration(x + y)
        case (.subtract, .duration(let x), .duration(let y)): return .duration(x - y)
        case (.add, .timestamp(let t), .duration(let d)): return .timestamp(Timestamp(secondsSinceEpoch: t.secondsSinceEpoch + d))
        case (.subtract, .timestamp(let t), .duration(let d)): return .timestamp(Timestamp(secondsSinceEpoch: t.secondsSinceEpoch - d))
        case (.subtract, .timestamp(let t), .timestamp(let u)): return .duration(t.secondsSinceEpoch - u.secondsSinceEpoch)
        case (.add, .date(let day), .duration(let d)): return .date(day.adding(days: Int(d / 86_400)))
        case (.subtract, .date(let day), .duration(let d)): return .date(day.adding(days: -Int(d / 86_400)))
        case (.multiply, .money(let m), .number(let n)), (.multiply, .number(let n), .money(let m)):
            return .money((Fraction(m) * n.fraction).roundedHalfEven)
        case (.multiply, .money(let m), .percent(let p)), (.multiply, .percent(let p), .money(let m)):
            return .money(percentOf(m, p))
        case (.multiply, .percent(let p), .number(let n)), (.multiply, .number(let n), .percent(let p)): return .percent(p * n)
        case (.multiply, .duration(let d), .number(let n)), (.multiply, .number(let n), .duration(let d)):
            return .duration((Fraction(d) * n.fraction).roundedHalfEven)
        case (.divide, .money(let m), .number(let n)):
            guard n.significand != 0 else { return .missing }
            let f = n.fraction
            return .money(Fraction(Int128(m) * f.denominator, f.numerator).roundedHalfEven)
        case (.divide, .money(let x), .money(let y)):
            guard y != 0 else { return .missing }
            return ExactDecimal(significand: x, scale: 0).divided(by: ExactDecimal(significand: y, scale: 0)).map(Value.number) ?? .missing
        case (.divide, .duration(let x), .duration(let y)):
            guard y != 0 else { return .missing }
            return ExactDecimal(significand: x, scale: 0).divided(by: ExactDecimal(significand: y, scale: 0)).map(Value.number) ?? .missing
        case (.divide, .duration(let d), .number(let n)):
            guard n.significand != 0 else { return .missing }
            let f = n.fraction
            return .duration(Fraction(Int128(d) * f.denominator, f.numerator).roundedHalfEven)
        case (.divide, .percent(let p), .number(let n)): return p.divided(by: n).map(Value.percent) ?? .missing
        default: return .missing
        }
    }

    /// `p%` of `m` minor units, rounded half-even once.
    static func percentOf(_ m: Int64, _ p: ExactDecimal) -> Int64 {
        // m × p / 100 as one ratio, rounded once: two fraction products, each reduced by a
        // greatest common divisor of 128-bit integers, were 2% of evaluating an order.
        Fraction(Int128(m) * Int128(p.significand), p.fraction.denominator * 100).roundedHalfEven
    }
}

extension Value {
    var isTrueValue: Bool { if case .bool(true) = self { return true }; return false }
}
