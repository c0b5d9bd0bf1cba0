import TallyPlan
import TallyPrefetch
import TallyValues

/// The rates of pay clauses whose rate depends on the referrer alone (a table looked up by
/// the referrer's kind and tier, a referrer column, a literal), worked out once per
/// referrer and clause instead of for every decision: the lookup evaluated its keys and
/// compared them with every row (4% of evaluating an order on the reference kit's data).
struct ReferrerRates {
    /// By rule, then pay clause: the clause's place in `known`, or -1 when its rate reads
    /// more than the referrer (the order, the credit, an aggregate) or is a tiers rate.
    private let sites: [[Int]]
    /// By site, then referrer index: nil while not worked out, else the rate (itself nil
    /// when the referrer has none: a missing table cell).
    private var known: [[ExactDecimal??]]

    init(plan: Plan, referrers: Int) {
        var count = 0
        sites = plan.rules.map { rule in
            rule.payments.map { payment in
                guard case .rate(.code(let code), _) = payment.amount, ReferrerRates.readsReferrerOnly(code) else { return -1 }
                count += 1
                return count - 1
            }
        }
        known = Array(repeating: Array(repeating: nil, count: referrers), count: count)
    }

    /// The remembered rate of clause `payment` of rule `rule` for the referrer at
    /// `referrer`: nil when it was not worked out yet or the clause's rate reads more than
    /// the referrer; `.some(nil)` when the referrer has no rate.
    func remembered(rule: Int, payment: Int, referrer: Int32?) -> ExactDecimal?? {
        guard let site = site(rule: rule, payment: payment, referrer: referrer) else { return nil }
        return known[site][Int(referrer!)]
    }

    /// Remembers `rate` for the clause and referrer, when the clause's rate reads nothing
    /// but the referrer.
    mutating func remember(_ rate: ExactDecimal?, rule: Int, payment: Int, referrer: Int32?) {
        guard let site = site(rule: rule, payment: payment, referrer: referrer) else { return }
        known[site][Int(referrer!)] = .some(rate)
    }

    /// Asks for the referrer's remembered rates, to be read soon (see
    /// `Runner.prefetchReferrer`).
    func prefetch(referrer: Int32) {
        let slot = Int(referrer)
        for site in known.indices where slot < known[site].count {
            known[site].withUnsafeBufferPointer { tally_prefetch($0.baseAddress! + slot) }
        }
    }

    private func site(rule: Int, payment: Int, referrer: Int32?) -> Int? {
        guard let referrer, rule < sites.count, payment < sites[rule].count else { return nil }
        let site = sites[rule][payment]
        return site >= 0 && Int(referrer) < known[site].count ? site : nil
    }

    /// Whether `code`'s value depends on nothing but the referrer's fields (tables and
    /// functions are fixed for a run).
    static func readsReferrerOnly(_ code: Code) -> Bool {
        switch code {
        case .constant: return true
        case .field(let slot):
            switch slot {
            case .referrer, .referrerExtra: return true
            default: return false
            }
        case .isNewWithin, .aggregate: return false
        case .not(let inner), .negate(let inner), .labelled(let inner, _): return readsReferrerOnly(inner)
        case .and(let items), .or(let items), .list(let items), .call(_, let items), .lookup(_, let items): return items.allSatisfy(readsReferrerOnly)
        case .compare(_, let a, let b), .arithmetic(_, let a, let b), .member(let a, let b, _): return readsReferrerOnly(a) && readsReferrerOnly(b)
        }
    }
}
