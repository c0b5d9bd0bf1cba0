import TallyPrefetch

extension Runner {
    /// Asks for what deciding a credit for `referrer` reads of tables by referrer, as
    /// soon as the order's credited referrers are known and before their rules run: the
    /// rules its kind can match, its remembered rates and what each per-referrer limit has
    /// counted for it in the order's period. Each is a table larger than the core's cache
    /// read at a random place, a wait for memory per decision: on the reference kit's
    /// large data 0.11, 0.09 and 0.17 s of the runner's core (perf samples on the one load
    /// of each).
    mutating func prefetchReferrer(_ referrer: Int32, orderView: OrderView) {
        let slot = Int(referrer)
        if slot < referrerKindRules.count { referrerKindRules.withUnsafeBufferPointer { tally_prefetch($0.baseAddress! + slot) } }
        referrerRates.prefetch(referrer: referrer)
        for index in plan.limits.indices {
            guard let months = plan.limits[index].months else { continue }
            limitUse.prefetch(limit: index, referrer: referrer, period: Runner.period(of: orderView.localDate, months: months))
        }
    }
}
