import Foundation
import TallySource
import TallySyntax
import TallyValues

/// Checks a parsed program (its root file and included files): names, types with
/// units, declarations that must be unique, rule relations, and lints. Collects every
/// finding as a diagnostic; produces a `CheckedProgram` when there is no error.
public struct Checker {
    var diagnostics: [Diagnostic] = []
    var schema = RecordSchema()
    var currency: Currency?
    var tables: [String: Table] = [:]
    var tiers: [String: Tiers] = [:]
    /// Declaration order (files in include order), so plans never depend on hashing.
    var tableOrder: [String] = []
    var tiersOrder: [String] = []
    var rules: [String: Rule] = [:]

    /// Checks the declarations of `files` as one program; `files[0]` is the root.
    public static func check(_ files: [SourceProgram]) -> (program: CheckedProgram?, diagnostics: [Diagnostic]) {
        var checker = Checker()
        let program = checker.run(files)
        let diagnostics = checker.diagnostics
        return (diagnostics.hasErrors ? nil : program, diagnostics)
    }

    mutating func error(_ code: String, _ message: String, at span: Span, notes: [DiagnosticNote] = [], help: String? = nil) {
        diagnostics.append(.error(code, message, at: span, notes: notes, help: help))
    }

    mutating func warning(_ code: String, _ message: String, at span: Span, notes: [DiagnosticNote] = [], help: String? = nil) {
        diagnostics.append(.warning(code, message, at: span, notes: notes, help: help))
    }

    // MARK: The passes

    mutating func run(_ files: [SourceProgram]) -> CheckedProgram? {
        let declarations = files.flatMap(\.declarations)
        guard let root = files.first else { return nil }

        var name: String?
        var timezone: String?
        var firstOf: [String: Span] = [:]
        func once(_ key: String, _ what: String, _ span: Span, into checker: inout Checker) -> Bool {
            if let first = firstOf[key] {
                checker.error("check.duplicate-declaration", "\(what) is declared twice", at: span,
                              notes: [DiagnosticNote("first declared here", at: first)],
                              help: "keep one \(what) declaration")
                return false
            }
            firstOf[key] = span
            return true
        }

        // Pass 1: header, declared names, referrer fields (everything later passes read).
        for declaration in declarations {
            switch declaration {
            case .program(let literal, let span):
                if once("program", "the program name", span, into: &self) { name = literal.value }
                if literal.value.trimmingCharacters(in: .whitespaces).isEmpty {
                    error("check.empty-name", "the program name is empty", at: literal.span, help: "name the program, e.g. `program \"Acme partner program\"`")
                }
            case .currency(let code, let span):
                guard once("currency", "the currency", span, into: &self) else { break }
                if let known = Currency(code: code.name) {
                    currency = known
                } else {
                    error("check.unknown-currency", "`\(code.name)` is not an ISO 4217 currency code", at: code.span,
                          help: Suggestion.didYouMean(code.name.uppercased(), among: Currency.allCodes) ?? "use a three-letter code such as `USD` or `EUR`")
                }
            case .timezone(let zone, let span):
                guard once("timezone", "the time zone", span, into: &self) else { break }
                if TimeZone(identifier: zone.value) != nil, zone.value.contains("/") || zone.value == "UTC" {
                    timezone = zone.value
                } else {
                    error("check.unknown-timezone", "`\(zone.value)` is not a known time zone", at: zone.span,
                          help: Suggestion.didYouMean(zone.value, among: TimeZone.knownTimeZoneIdentifiers)
                            ?? "use an IANA name such as \"America/New_York\" or \"UTC\"")
                }
            case .referrerFields(let block):
                for field in block.fields {
                    guard let type = ValueType(typeName: field.type.name) else {
                        error("check.unknown-type", "`\(field.type.name)` is not a type", at: field.type.span,
                              help: Suggestion.didYouMean(field.type.name, among: ValueType.typeNames)
                                ?? "types are " + ValueType.typeNames.map { "`\($0)`" }.joined(separator: ", "))
                        continue
                    }
                    if schema.fieldType(.referrer, field.name.name) != nil {
                        error("check.duplicate-field", "`referrer.\(field.name.name)` already exists", at: field.name.span,
                              help: "choose another name for this column")
                        continue
                    }
                    schema.referrerExtras.append((field.name.name, type))
                }
            case .rule(let rule):
                if let first = rules[rule.id.name] {
                    error("check.duplicate-rule", "a rule with id `\(rule.id.name)` already exists", at: rule.id.span,
                          notes: [DiagnosticNote("the first `\(rule.id.name)` is here", at: first.id.span)],
                          help: "give each rule its own id; traces and statements name rules by id")
                } else {
                    rules[rule.id.name] = rule
                }
            case .table(let table):
                if let first = tables[table.name.name] {
                    error("check.duplicate-declaration", "a table named `\(table.name.name)` already exists", at: table.name.span,
                          notes: [DiagnosticNote("first declared here", at: first.name.span)])
                } else {
                    tables[table.name.name] = table
                    tableOrder.append(table.name.name)
                }
            case .tiers(let declaration):
                if let first = tiers[declaration.name.name] ?? nil {
                    error("check.duplicate-declaration", "tiers named `\(declaration.name.name)` already exist", at: declaration.name.span,
                          notes: [DiagnosticNote("first declared here", at: first.name.span)])
                } else if tables[declaration.name.name] != nil {
                    error("check.duplicate-declaration", "`\(declaration.name.name)` is already a table", at: declaration.name.span)
                } else {
                    tiers[declaration.name.name] = declaration
                    tiersOrder.append(declaration.name.name)
                }
            default: break
            }
        }

        // Point at the first thing the user wrote, not at a comment above it.
        let start = root.declarations.first.map { Span(file: root.file, start: $0.span.start, end: $0.span.start) }
            ?? Span(file: root.file, start: 0, end: 0)
        if name == nil {
            error("check.missing-program", "this file does not start a program", at: start,
                  help: "add `program \"…\"`, `currency USD` and `timezone \"…\"` at the top, or include this file from the program that uses it")
        } else {
            if firstOf["currency"] == nil {
                error("check.missing-currency", "the program does not say which currency it pays in", at: firstOf["program"] ?? start,
                      help: "add `currency USD` under the program name")
            }
            if firstOf["timezone"] == nil {
                error("check.missing-timezone", "the program does not say its time zone", at: firstOf["program"] ?? start,
                      help: "add `timezone \"America/New_York\"`: months, effective dates and payable-on dates use it")
            }
        }

        // Pass 2: everything else.
        var attribution = AttributionSettings()
        var fraudChecks: [FraudCheck] = []
        var ruleList: [Rule] = []
        var limits: [Limit] = []
        var holdDays: Int?
        var clawback = true
        var payout: (String, Int64)?
        for declaration in declarations {
            switch declaration {
            case .attribution(let block):
                if once("attribution", "the attribution block", block.span, into: &self) {
                    attribution = checkAttribution(block)
                }
            case .fraud(let block):
                for check in block.checks {
                    checkFraud(check)
                    fraudChecks.append(check)
                }
            case .rule(let rule):
                checkRule(rule)
                ruleList.append(rule)
            case .table(let table):
                checkTable(table)
            case .tiers(let declaration):
                checkTiers(declaration)
            case .limit(let limit):
                checkLimit(limit)
                limits.append(limit)
            case .hold(let duration, let span):
                guard once("hold", "the hold", span, into: &self) else { break }
                if let seconds = constantDuration(duration, what: "the hold", allowZero: true) {
                    if seconds % 86_400 != 0 {
                        error("check.unit-mismatch", "a hold is a whole number of days", at: duration.span,
                              help: "payable-on dates are calendar dates: write the hold in days, e.g. `hold 30 days`")
                    } else {
                        holdDays = Int(seconds / 86_400)
                    }
                }
            case .clawback(let mode, let span):
                if once("clawback", "the clawback policy", span, into: &self) { clawback = mode.name == "proportionally" }
            case .payout(let period, let minimum, let span):
                guard once("payout", "the payout policy", span, into: &self) else { break }
                if !["month", "monthly"].contains(period.name) {
                    error("check.unsupported-period", "payouts are monthly", at: period.span,
                          help: "write `payout monthly minimum 50 USD`; statements are per referrer per month")
                }
                if let amount = constantMoney(minimum, what: "the minimum payout", allowZero: true) {
                    payout = (period.name, amount)
                }
            default: break
            }
        }
        checkReplaces(ruleList)
        lintLimits(limits)

        guard let name, let currency, let timezone else { return nil }
        return CheckedProgram(
            name: name, currency: currency, timezone: timezone, schema: schema, attribution: attribution,
            fraudChecks: fraudChecks, rules: ruleList, tables: tableOrder.compactMap { tables[$0] },
            tiers: tiersOrder.compactMap { tiers[$0] }, limits: limits, holdDays: holdDays,
            clawbackProportionally: clawback, payoutMinimum: payout.map { (period: $0.0, minorUnits: $0.1) },
            files: files.map(\.file))
    }
}
