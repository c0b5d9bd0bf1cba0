import TallyLedgers
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

    /// Asks for an order's lines, a few orders ahead: each order's lines are an array of
    /// their own, and summing them for its money (`view(of:)`) waited for memory on every
    /// order (on the reference kit's large data, 0.1 s of the runner's core). The array's
    /// address is read as a raw word: reading it as a value retained it, itself a wait.
    static func prefetchLines(of order: UnsafePointer<Order>) {
        let storage = UnsafeRawPointer(order).load(fromByteOffset: orderLinesOffset, as: UnsafeRawPointer.self)
        // The array's header and its first line (about 150 bytes with the header).
        tally_prefetch(storage)
        tally_prefetch(storage + 64)
        tally_prefetch(storage + 128)
    }

    /// Where an order's lines array is in an `Order`.
    static let orderLinesOffset = MemoryLayout<Order>.offset(of: \Order.lines)!
}
