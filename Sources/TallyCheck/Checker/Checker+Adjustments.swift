import TallySource
import TallySyntax
import TallyValues

extension Checker {
    mutating func checkTable(_ table: Table) {
        var keyTypes: [ValueType?] = []
        for key in table.keys {
            let type = ValueType(typeName: key.type.name)
            if type == nil {
                error("check.unknown-type", "`\(key.type.name)` is not a type", at: key.type.span,
                      help: Suggestion.didYouMean(key.type.name, among: ValueType.typeNames))
            }
            keyTypes.append(type)
            for value in key.domain ?? [] {
                let valueType = typeOf(value, in: .constant)
                if let type, !valueType.agrees(with: type) {
                    error("check.type-mismatch", "key `\(key.name.name)` is \(type.spoken), found \(valueType.spoken)", at: value.span)
                }
            }
        }
        let valueType = ValueType(typeName: table.valueType.name)
        if valueType == nil {
            error("check.unknown-type", "`\(table.valueType.name)` is not a type", at: table.valueType.span,
                  help: Suggestion.didYouMean(table.valueType.name, among: ValueType.typeNames))
        }
        var seen: [String: Span] = [:]
        var hasDefault = false
        for row in table.rows {
            let rowValueType = typeOf(row.value, in: .constant)
            if let valueType, !rowValueType.agrees(with: valueType) {
                error("check.type-mismatch", "table `\(table.name.name)` holds \(valueType) values, found \(rowValueType.spoken)", at: row.value.span,
                      help: unitHint(expected: valueType, literal: row.value))
            }
            guard let keys = row.keys else {
                if hasDefault {
                    error("check.duplicate-declaration", "table `\(table.name.name)` has two `default` rows", at: row.span)
                }
                hasDefault = true
                continue
            }
            if keys.count != table.keys.count {
                error("check.bad-arguments", "this row has \(keys.count) key\(keys.count == 1 ? "" : "s"), the table has \(table.keys.count)", at: row.span)
                continue
            }
            var rowKey: [String] = []
            for (index, key) in keys.enumerated() {
                let type = typeOf(key, in: .constant)
                if let expected = keyTypes[index], !type.agrees(with: expected) {
                    error("check.type-mismatch", "key `\(table.keys[index].name.name)` is \(expected.spoken), found \(type.spoken)", at: key.span)
                }
                let value = Constant.key(key) ?? "?"
                if let domain = table.keys[index].domain, !domain.contains(where: { Constant.key($0) == value }) {
                    error("check.table-key-domain", "\(ExpressionPrinter.print(key)) is not one of the values declared for `\(table.keys[index].name.name)`",
                          at: key.span, help: "declared values: " + domain.map(ExpressionPrinter.print).joined(separator: ", "))
                }
                rowKey.append(value)
            }
            let joined = rowKey.joined(separator: "\u{1F}")
            if let first = seen[joined] {
                warning("warn.duplicate-row", "this row repeats an earlier row of table `\(table.name.name)`", at: row.span,
                        notes: [DiagnosticNote("the earlier row, which wins", at: first)], help: "remove one of the two rows")
            } else {
                seen[joined] = row.span
            }
        }
        if !hasDefault {
            let domains = table.keys.map(\.domain)
            if domains.contains(where: { $0 == nil }) {
                error("check.table-incomplete", "table `\(table.name.name)` has no `default` row, so a lookup can miss", at: table.name.span,
                      help: "add `default -> …`, or declare each key's values (`kind: string in [\"influencer\", …]`) so the checker can prove every cell is there")
            } else {
                // Every combination of declared values must have a row.
                var combinations: [[Expression]] = [[]]
                for domain in domains.compactMap({ $0 }) {
                    combinations = combinations.flatMap { prefix in domain.map { prefix + [$0] } }
                    if combinations.count > 10_000 { break }
                }
                let missing = combinations.filter { combination in
                    seen[combination.map { Constant.key($0) ?? "?" }.joined(separator: "\u{1F}")] == nil
                }
                if !missing.isEmpty {
                    let shown = missing.prefix(3).map { "(" + $0.map(ExpressionPrinter.print).joined(separator: ", ") + ")" }
                    error("check.table-incomplete", "table `\(table.name.name)` has no row for " + shown.joined(separator: ", ")
                            + (missing.count > 3 ? " and \(missing.count - 3) more" : ""),
                          at: table.name.span, help: "add the missing rows or a `default -> …` row")
                }
            }
        }
    }

    mutating func checkTiers(_ declaration: Tiers) {
        let metrics = ["revenue", "orders", "customers"]
        guard ["retroactive", "marginal"].contains(declaration.mode.name) else { return }
        guard metrics.contains(declaration.metric.name) else {
            error("check.unknown-name", "`\(declaration.metric.name)` is not a tier metric", at: declaration.metric.span,
                  help: Suggestion.didYouMean(declaration.metric.name, among: metrics) ?? "tiers measure `revenue`, `orders` or `customers`")
            return
        }
        if declaration.mode.name == "marginal", declaration.metric.name != "revenue" {
            error("check.tiers-metric", "marginal tiers split an order's credit across bands, so they need `by revenue`", at: declaration.metric.span,
                  help: "write `retroactive` to rate a whole period by its \(declaration.metric.name), or measure `by revenue`")
        }
        switch declaration.period {
        case .calendar(let word):
            if !["month", "monthly", "quarter", "quarterly", "year", "yearly"].contains(word.name) {
                error("check.unknown-name", "`\(word.name)` is not a period", at: word.span)
            }
        case .trailing(let window):
            _ = constantDuration(window, what: "the tiers' window", allowZero: false)
            if declaration.mode.name == "retroactive" {
                error("check.tiers-period", "retroactive tiers need a calendar period", at: window.span,
                      help: "a retroactive tier tops up the period's earlier orders, which needs a period with a start: write `per month`")
            }
        }
        let thresholdType: ValueType = declaration.metric.name == "revenue" ? .money : .number
        var previous: (value: Int64, span: Span)?
        for (index, band) in declaration.bands.enumerated() {
            let type = typeOf(band.threshold, in: .constant)
            let rateType = typeOf(band.rate, in: .constant)
            if !rateType.agrees(with: .percent) {
                error("check.type-mismatch", "a band pays a percent, found \(rateType.spoken)", at: band.rate.span,
                      help: unitHint(expected: .percent, literal: band.rate))
            }
            guard !type.isUnknown else { continue }
            guard type == thresholdType else {
                error("check.type-mismatch", "tiers by \(declaration.metric.name) have \(thresholdType) thresholds, found \(type.spoken)", at: band.threshold.span,
                      help: unitHint(expected: thresholdType, literal: band.threshold))
                continue
            }
            let value: Int64? = thresholdType == .money
                ? currency.flatMap { Constant.money(band.threshold, currency: $0) }
                : Constant.number(band.threshold).flatMap { $0.isIntegral ? $0.rescaled(to: 0) : nil }
            guard let value else { continue }
            if index == 0, value != 0 {
                error("check.tiers-order", "the first band must start at 0", at: band.threshold.span,
                      help: "write the lowest band as `" + (thresholdType == .money ? "0 \(currency?.code ?? "USD")" : "0") + " -> …` so every amount has a rate")
            }
            if let previous, value <= previous.value {
                error("check.tiers-order", "band thresholds must go up", at: band.threshold.span,
                      notes: [DiagnosticNote("the band before", at: previous.span)],
                      help: "list bands from the lowest threshold to the highest")
            }
            previous = (value, band.threshold.span)
        }
        if declaration.bands.isEmpty {
            error("check.tiers-order", "tiers `\(declaration.name.name)` have no bands", at: declaration.name.span,
                  help: "add bands such as `0 USD -> 5%`")
        }
    }

    mutating func checkLimit(_ limit: Limit) {
        _ = constantMoney(limit.amount, what: "a limit", allowZero: true)
        if let period = limit.referrerPeriod, !["month", "monthly", "quarter", "quarterly", "year", "yearly"].contains(period.name) {
            error("check.unknown-name", "`\(period.name)` is not a period", at: period.span)
        }
    }

    /// Months in a period word.
    static func months(_ period: String) -> Int64 {
        switch period {
        case "quarter", "quarterly": return 3
        case "year", "yearly": return 12
        default: return 1
        }
    }

    /// A limit that can never bind, because an earlier or shorter one always binds first.
    mutating func lintLimits(_ limits: [Limit]) {
        guard let currency else { return }
        let perReferrer = limits.compactMap { limit -> (Limit, Int64, Int64)? in
            guard let period = limit.referrerPeriod, let amount = Constant.money(limit.amount, currency: currency) else { return nil }
            return (limit, amount, Checker.months(period.name))
        }
        for (limit, amount, months) in perReferrer {
            for (other, otherAmount, otherMonths) in perReferrer where other.span != limit.span {
                guard otherMonths <= months, months % otherMonths == 0 else { continue }
                let bound = otherAmount * (months / otherMonths)
                let earlier = other.span.start < limit.span.start || other.span.file !== limit.span.file
                if amount >= bound && (otherMonths < months || (otherMonths == months && earlier)) {
                    warning("warn.unreachable-limit", "this limit can never be reached", at: limit.amount.span,
                            notes: [DiagnosticNote("this limit always binds first", at: other.span)],
                            help: otherMonths < months
                                ? "\(months / otherMonths) periods of \(ExpressionPrinter.print(other.amount)) make at most \(ExactDecimal(significand: bound, scale: currency.minorUnits)) \(currency.code): lower this limit or remove it"
                                : "two limits over the same period: keep the lower one")
                    break
                }
            }
        }
        let perOrder = limits.filter { $0.referrerPeriod == nil }
        for (index, limit) in perOrder.enumerated() where index > 0 {
            if let amount = Constant.money(limit.amount, currency: currency),
               let first = perOrder[..<index].compactMap({ Constant.money($0.amount, currency: currency) }).min(), amount >= first {
                warning("warn.unreachable-limit", "this per-order limit can never be reached", at: limit.amount.span,
                        notes: [DiagnosticNote("a lower per-order limit comes first", at: perOrder[0].span)])
            }
        }
    }
}
