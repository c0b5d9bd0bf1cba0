import TallySource
import TallySyntax
import TallyValues

extension Checker {
    static let models = ["first_touch", "last_touch", "linear", "time_decay", "position_based"]

    mutating func checkAttribution(_ block: AttributionBlock) -> AttributionSettings {
        var settings = AttributionSettings()
        var seen: [String: Span] = [:]
        for item in block.items {
            let key: String
            switch item {
            case .model: key = "model"
            case .lookback: key = "lookback"
            case .evidence: key = "evidence"
            }
            if let first = seen[key] {
                error("check.duplicate-declaration", "`\(key)` is set twice", at: item.span,
                      notes: [DiagnosticNote("first set here", at: first)])
                continue
            }
            seen[key] = item.span
            switch item {
            case .model(let name, let arguments, _):
                if let model = checkModel(name, arguments ?? []) { settings.model = model }
            case .lookback(let value, _):
                if let seconds = constantDuration(value, what: "the lookback", allowZero: false) {
                    settings.lookbackSeconds = seconds
                }
            case .evidence(let classes, _):
                var names: [String] = []
                for evidence in classes {
                    guard ["coupon", "click", "survey"].contains(evidence.name) else {
                        error("check.unknown-name", "`\(evidence.name)` is not a kind of evidence", at: evidence.span,
                              help: Suggestion.didYouMean(evidence.name, among: ["coupon", "click", "survey"])
                                ?? "evidence is `coupon`, `click` or `survey`")
                        continue
                    }
                    if names.contains(evidence.name) {
                        error("check.duplicate-declaration", "`\(evidence.name)` is listed twice", at: evidence.span)
                        continue
                    }
                    names.append(evidence.name)
                }
                settings.evidence = names
            }
        }
        return settings
    }

    mutating func checkModel(_ name: Identifier, _ arguments: [Argument]) -> AttributionSettings.Model? {
        func noArguments(_ model: AttributionSettings.Model, into checker: inout Checker) -> AttributionSettings.Model? {
            if let first = arguments.first {
                checker.error("check.bad-arguments", "`\(name.name)` takes no arguments", at: first.value.span,
                              help: "write `model \(name.name)`")
                return nil
            }
            return model
        }
        func argument(_ label: String, into checker: inout Checker) -> Expression? {
            if let found = arguments.first(where: { $0.label?.name == label }) { return found.value }
            return nil
        }
        func rejectUnknownArguments(_ allowed: [String], into checker: inout Checker) -> Bool {
            for argument in arguments where !allowed.contains(argument.label?.name ?? "") {
                checker.error("check.bad-arguments", "`\(name.name)` has no argument \(argument.label.map { "`\($0.name)`" } ?? "without a name")",
                              at: argument.label?.span ?? argument.value.span,
                              help: "its arguments are " + allowed.map { "`\($0):`" }.joined(separator: " and "))
                return false
            }
            return true
        }
        switch name.name {
        case "first_touch": return noArguments(.firstTouch, into: &self)
        case "last_touch": return noArguments(.lastTouch, into: &self)
        case "linear": return noArguments(.linear, into: &self)
        case "time_decay":
            guard rejectUnknownArguments(["half_life"], into: &self) else { return nil }
            guard let halfLife = argument("half_life", into: &self) else {
                error("check.missing-argument", "`time_decay` needs a half-life", at: name.span,
                      help: "write `model time_decay(half_life: 7 days)`")
                return nil
            }
            return constantDuration(halfLife, what: "the half-life", allowZero: false).map { .timeDecay(halfLifeSeconds: $0) }
        case "position_based":
            guard rejectUnknownArguments(["first", "last"], into: &self) else { return nil }
            guard let first = argument("first", into: &self), let last = argument("last", into: &self) else {
                error("check.missing-argument", "`position_based` needs the first and last touches' shares", at: name.span,
                      help: "write `model position_based(first: 40%, last: 40%)`")
                return nil
            }
            guard let firstPoints = constantPercent(first, what: "the first touch's share"),
                  let lastPoints = constantPercent(last, what: "the last touch's share") else { return nil }
            if firstPoints < 0 || lastPoints < 0 || firstPoints + lastPoints > 10_000 {
                error("check.model-shares", "the first and last shares add up to more than 100%", at: name.span,
                      help: "the middle touches share what is left: e.g. `first: 40%, last: 40%` leaves 20% for them")
                return nil
            }
            return .positionBased(firstBasisPoints: firstPoints, lastBasisPoints: lastPoints)
        default:
            error("check.unknown-model", "unknown attribution model `\(name.name)`", at: name.span,
                  help: Suggestion.didYouMean(name.name, among: Checker.models)
                    ?? "models are " + Checker.models.map { "`\($0)`" }.joined(separator: ", "))
            return nil
        }
    }

    mutating func checkFraud(_ check: FraudCheck) {
        let context: EvaluationContext = check.subject.name == "touch" ? .touchCheck : .orderCheck
        if !["reject", "hold"].contains(check.action.name) {
            error("check.unknown-name", "`\(check.action.name)` is not a fraud action", at: check.action.span,
                  help: "write `reject` or `hold`")
        }
        if check.reason.value.trimmingCharacters(in: .whitespaces).isEmpty {
            error("check.empty-label", "the reason is empty", at: check.reason.span,
                  help: "the reason is what the partner and the auditor read, e.g. \"click flooding\"")
        }
        checkCondition(check.condition, in: context)
    }

    /// A condition must be a bool.
    mutating func checkCondition(_ condition: Expression, in context: EvaluationContext) {
        let type = typeOf(condition, in: context)
        if !type.agrees(with: .bool) {
            error("check.type-mismatch", "a condition must be true or false, but this is \(type.spoken)", at: condition.span,
                  help: comparisonHint(for: type))
        }
    }
}
