/// The arrays `Runner.process` fills for one order and empties before the next: kept in
/// the runner so their storage is reused. (Made afresh for every order they were seven of
/// the 22 allocations that evaluating an order made on the reference kit's medium data,
/// with no trace at all.)
struct OrderScratch {
    /// The touches that compete for credit: the strongest evidence class, in time order.
    var kept: [Touch] = []
    /// The attribution model's weight of each kept touch.
    var weights: [Weight] = []
    /// The credited referrers (by index), in order of first touch, and their weights.
    var referrers: [Int32] = []
    var referrerWeights: [Weight] = []
    /// Each credited referrer's share of the order.
    var credits: [CreditView] = []
    /// The order's decisions until they are final.
    var pending: [Decision] = []

    /// Empties every array, keeping its storage.
    mutating func empty() {
        kept.removeAll(keepingCapacity: true)
        weights.removeAll(keepingCapacity: true)
        referrers.removeAll(keepingCapacity: true)
        referrerWeights.removeAll(keepingCapacity: true)
        credits.removeAll(keepingCapacity: true)
        pending.removeAll(keepingCapacity: true)
    }
}
