import TallySource
import TallySyntax
import TallyValues

extension Checker {
    static let functions: [String: (parameters: [ValueType], result: ValueType)] = [
        "lower": ([.string], .string), "upper": ([.string], .string), "trim": ([.string], .string),
        "contains": ([.string, .string], .bool), "starts_with": ([.string, .string], .bool),
        "ends_with": ([.string, .string], .bool),
    ]

    /// The type of `expression` where it is evaluated; reports what is wrong and
    /// returns `.unknown` after an error so one mistake gives one message.
    mutating func typeOf(_ expression: Expression, in context: EvaluationContext) -> ValueType {
        switch expression.kind {
        case .error: return .unknown
        case .number: return .number
        case .percent: return .percent
        case .string: return .string
        case .bool: return .bool
        case .date(let text):
            if CivilDate(iso: Substring(text)) == nil {
                error("check.bad-date", "`\(text)` is not a date", at: expression.span,
                      help: "write dates as YYYY-MM-DD with a day that exists, e.g. `2026-02-28`")
                return .unknown
            }
            return .date
        case .timestamp(let text):
            if Timestamp.parse(text) == nil {
                error("check.bad-timestamp", "`\(text)` is not a timestamp", at: expression.span,
                      help: "write timestamps as 2026-01-31T18:00:00Z or with an offset, 2026-01-31T13:00:00-05:00")
                return .unknown
            }
            return .timestamp
        case .quantity(let number, let unit):
            return quantityType(number, unit: unit, span: expression.span)
        case .list(let items):
            var element: ValueType = .unknown
            for item in items {
                let type = typeOf(item, in: context)
                if element.isUnknown {
                    element = type
                } else if !type.agrees(with: element) {
                    error("check.type-mismatch", "a list holds values of one type; this is \(type.spoken), the first is \(element.spoken)",
                          at: item.span)
                }
            }
            return .list(element)
        case .name(let identifier):
            return nameType(identifier, in: context)
        case .member(let base, let field):
            return memberType(base: base, field: field, in: context)
        case .call(let callee, let arguments):
            return callType(callee: callee, arguments: arguments, span: expression.span, in: context)
        case .index(let target, let keys):
            return indexType(target: target, keys: keys, in: context)
        case .unary(let op, let operand):
            let type = typeOf(operand, in: context)
            switch op {
            case .not:
                if !type.agrees(with: .bool) {
                    error("check.type-mismatch", "`not` needs a condition, found \(type.spoken)", at: operand.span)
                    return .unknown
                }
                return .bool
            case .negate:
                if [.number, .money, .percent, .duration, .unknown].contains(type) { return type }
                error("check.type-mismatch", "cannot negate \(type.spoken)", at: expression.span)
                return .unknown
            }
        case .binary(let op, let left, let right):
            return binaryType(op, left, right, span: expression.span, in: context)
        case .labelled(let condition, let label):
            let type = typeOf(condition, in: context)
            if !type.agrees(with: .bool) {
                error("check.type-mismatch", "`because` labels a condition, but this is \(type.spoken)", at: condition.span)
            }
            if label.value.trimmingCharacters(in: .whitespaces).isEmpty {
                error("check.empty-label", "the label is empty", at: label.span, help: "say why the condition is there, e.g. `because \"influencers only\"`")
            }
            return .bool
        case .aggregate(let aggregate):
            return aggregateType(aggregate, span: expression.span, in: context)
        }
    }

    mutating func quantityType(_ number: String, unit: Identifier, span: Span) -> ValueType {
        let word = unit.name
        if word.count == 3, word.allSatisfy({ $0.isUppercase && $0.isASCII }) {
            guard let code = Currency(code: word) else {
                error("check.unknown-currency", "`\(word)` is not an ISO 4217 currency code", at: unit.span,
                      help: Suggestion.didYouMean(word, among: Currency.allCodes) ?? "write a code such as `USD`")
                return .unknown
            }
            if let currency, code != currency {
                error("check.unit-mismatch", "this program pays in \(currency.code), not \(code.code)", at: unit.span,
                      help: "orders in other currencies are converted to \(currency.code) before rules see them: write the amount in \(currency.code)")
                return .unknown
            }
            if let decimal = ExactDecimal(number), decimal.scale > code.minorUnits {
                error("check.too-precise", "\(code.code) amounts have at most \(code.minorUnits) decimal places", at: span,
                      help: "write `\(number) \(word)` rounded to the cent")
                return .unknown
            }
            return .money
        }
        if DurationUnit(word: word) != nil {
            if let decimal = ExactDecimal(number), !decimal.isIntegral {
                error("check.bad-duration", "durations are whole numbers of a unit", at: span,
                      help: "write a smaller unit, e.g. `90 minutes` instead of `1.5 hours`")
                return .unknown
            }
            return .duration
        }
        if DurationUnit.isCalendarWord(word) {
            let days = word.hasPrefix("month") ? "30" : word.hasPrefix("quarter") ? "90" : "365"
            error("check.unit-mismatch", "`\(word)` is not a fixed length of time", at: unit.span,
                  help: "durations are exact: write days, e.g. `\(Int(number).map { String($0 * Int(days)!) } ?? days) days`")
            return .unknown
        }
        let units = DurationUnit.allCases.flatMap { [$0.rawValue, $0.rawValue + "s"] }
        error("check.unknown-unit", "`\(word)` is not a unit", at: unit.span,
              help: Suggestion.didYouMean(word, among: units + ["USD", "EUR", "GBP"])
                ?? "a number may be followed by a currency code (`5 USD`) or a duration unit (`30 days`)")
        return .unknown
    }

    mutating func nameType(_ identifier: Identifier, in context: EvaluationContext) -> ValueType {
        let name = identifier.name == "click" ? "touch" : identifier.name
        if let record = RecordKind(rawValue: name) {
            if context.records.contains(record) { return .record(record) }
            error("check.unknown-record", "`\(identifier.name)` cannot be read here", at: identifier.span,
                  help: context.unavailableHelp(record))
            return .unknown
        }
        if tables[name] != nil { return .table(name) }
        if tiers[name] != nil { return .tiers(name) }
        var candidates = context.records.map(\.rawValue).sorted()
        candidates += tables.keys.sorted() + tiers.keys.sorted()
        let help = Suggestion.didYouMean(name, among: candidates + RecordKind.allCases.map(\.rawValue))
        if looksLikeRecord(name) {
            error("check.unknown-record", "`\(name)` is not a record", at: identifier.span,
                  help: help ?? "records are " + context.records.map { "`\($0.rawValue)`" }.sorted().joined(separator: ", "))
        } else {
            error("check.unknown-name", "unknown name `\(name)`", at: identifier.span,
                  help: help ?? (context == .constant ? "this value must be a constant such as `5 USD` or `30 days`"
                                 : "write a field of a record, e.g. `order.net`, or a string in quotes"))
        }
        return .unknown
    }

    private func looksLikeRecord(_ name: String) -> Bool {
        RecordKind.allCases.contains { Suggestion.editDistance($0.rawValue, name) <= 2 }
    }

    mutating func memberType(base: Expression, field: Identifier, in context: EvaluationContext) -> ValueType {
        let baseType = typeOf(base, in: context)
        guard case .record(let record) = baseType else {
            if !baseType.isUnknown {
                error("check.unknown-field", "\(baseType.spoken) has no fields", at: field.span)
            }
            return .unknown
        }
        if let type = schema.fieldType(record, field.name) { return type }
        var help = Suggestion.didYouMean(field.name, among: schema.fieldNames(record))
        if help == nil, record == .referrer {
            help = "declare extra referrer columns in `referrer fields { \(field.name): string }`"
        }
        error("check.unknown-field", "`\(record.rawValue)` has no field `\(field.name)`", at: field.span,
              help: help ?? "fields of `\(record.rawValue)`: " + schema.fieldNames(record).joined(separator: ", "))
        return .unknown
    }

    mutating func callType(callee: Expression, arguments: [Argument], span: Span, in context: EvaluationContext) -> ValueType {
        // customer.is_new(within: 365 days)
        if case .member(let base, let field) = callee.kind, field.name == "is_new" {
            let baseType = typeOf(base, in: context)
            guard baseType == .record(.customer) || baseType.isUnknown else {
                error("check.unknown-field", "only `customer.is_new` takes arguments", at: field.span)
                return .unknown
            }
            guard arguments.count == 1, arguments[0].label?.name == "within" else {
                error("check.bad-arguments", "`customer.is_new` takes one argument, `within:`", at: span,
                      help: "write `customer.is_new(within: 365 days)`")
                return .unknown
            }
            _ = constantDuration(arguments[0].value, what: "the window of `is_new`", allowZero: false)
            return .bool
        }
        guard case .name(let function) = callee.kind else {
            error("check.not-callable", "this cannot be called", at: callee.span)
            return .unknown
        }
        if function.name == "len" {
            guard arguments.count == 1 else {
                error("check.bad-arguments", "`len` takes one list", at: span)
                return .unknown
            }
            let type = typeOf(arguments[0].value, in: context)
            if case .list = type { return .number }
            if !type.isUnknown { error("check.type-mismatch", "`len` needs a list, found \(type.spoken)", at: arguments[0].value.span) }
            return .number
        }
        guard let signature = Checker.functions[function.name] else {
            let known = Array(Checker.functions.keys) + ["len"]
            error("check.unknown-name", "unknown function `\(function.name)`", at: function.span,
                  help: Suggestion.didYouMean(function.name, among: known)
                    ?? "functions are " + known.sorted().map { "`\($0)`" }.joined(separator: ", "))
            for argument in arguments { _ = typeOf(argument.value, in: context) }
            return .unknown
        }
        if arguments.count != signature.parameters.count {
            error("check.bad-arguments", "`\(function.name)` takes \(signature.parameters.count) argument\(signature.parameters.count == 1 ? "" : "s"), found \(arguments.count)", at: span)
            return signature.result
        }
        for (argument, parameter) in zip(arguments, signature.parameters) {
            let type = typeOf(argument.value, in: context)
            if !type.agrees(with: parameter) {
                error("check.type-mismatch", "`\(function.name)` needs \(parameter.spoken) here, found \(type.spoken)", at: argument.value.span)
            }
        }
        return signature.result
    }

    mutating func indexType(target: Expression, keys: [Expression], in context: EvaluationContext) -> ValueType {
        guard case .name(let name) = target.kind, let table = tables[name.name] else {
            if case .name(let name) = target.kind {
                error("check.unknown-name", "there is no table named `\(name.name)`", at: name.span,
                      help: Suggestion.didYouMean(name.name, among: Array(tables.keys)) ?? "declare it with `table \(name.name)(…) -> percent { … }`")
            } else {
                error("check.not-a-table", "only a table can be looked up with `[…]`", at: target.span)
            }
            for key in keys { _ = typeOf(key, in: context) }
            return .unknown
        }
        if keys.count != table.keys.count {
            error("check.bad-arguments", "table `\(table.name.name)` has \(table.keys.count) key\(table.keys.count == 1 ? "" : "s"), this lookup gives \(keys.count)",
                  at: target.span.union(keys.last?.span ?? target.span),
                  notes: [DiagnosticNote("the table is declared here", at: table.name.span)])
        }
        for (key, declared) in zip(keys, table.keys) {
            let type = typeOf(key, in: context)
            if let expected = ValueType(typeName: declared.type.name), !type.agrees(with: expected) {
                error("check.type-mismatch", "key `\(declared.name.name)` of table `\(table.name.name)` is \(expected.spoken), found \(type.spoken)", at: key.span)
            }
        }
        return ValueType(typeName: table.valueType.name) ?? .unknown
    }

    mutating func aggregateType(_ aggregate: Aggregate, span: Span, in context: EvaluationContext) -> ValueType {
        guard let events = AggregateEvents(rawValue: aggregate.events.name) else { return .unknown }
        var result: ValueType = .number
        switch aggregate.function.name {
        case "count":
            if let field = aggregate.field {
                error("check.bad-aggregate", "`count` counts events, not a field", at: field.span,
                      help: "write `count(\(events.rawValue) by …)`, or `distinct(\(events.rawValue).\(field.name) by …)` to count different values")
            }
        case "sum":
            result = .money
            if let field = aggregate.field, !events.summable.contains(field.name) {
                error("check.bad-aggregate", "cannot sum `\(events.rawValue).\(field.name)`", at: field.span,
                      help: events.summable.isEmpty ? "clicks have no amounts; use `count`" : "sum one of: " + events.summable.joined(separator: ", "))
            } else if aggregate.field == nil {
                error("check.bad-aggregate", "`sum` needs a field to add up", at: aggregate.events.span,
                      help: events.summable.isEmpty ? "clicks have no amounts; use `count`" : "write `sum(\(events.rawValue).net by …)`")
            }
        default:
            if let field = aggregate.field, !events.distinctFields.contains(field.name) {
                error("check.bad-aggregate", "cannot count distinct `\(events.rawValue).\(field.name)`", at: field.span,
                      help: "count one of: " + events.distinctFields.joined(separator: ", "))
            } else if aggregate.field == nil {
                error("check.bad-aggregate", "`distinct` needs a field", at: aggregate.events.span,
                      help: "write `distinct(\(events.rawValue).\(events.distinctFields[0]) by …)`")
            }
        }
        // The key names the event field by its last part: `touch.ip` -> ip.
        let keyType = typeOf(aggregate.key, in: context)
        let keyName: String?
        switch aggregate.key.kind {
        case .member(_, let field): keyName = field.name
        case .name(let name): keyName = name.name == "click" ? "touch" : name.name
        default: keyName = nil
        }
        if !keyType.isUnknown {
            if let keyName, events.keys.contains(keyName) {
                // fine
            } else {
                error("check.aggregate-key", "\(events.rawValue) cannot be grouped by `\(ExpressionPrinter.print(aggregate.key))`",
                      at: aggregate.key.span,
                      help: "\(events.rawValue) can be grouped by " + events.keys.map { "`\($0)`" }.joined(separator: ", "))
            }
        }
        _ = constantDuration(aggregate.window, what: "the window", allowZero: false)
        return result
    }
}
