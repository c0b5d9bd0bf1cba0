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
        OrderScratch.empty(&kept)
        OrderScratch.empty(&weights)
        OrderScratch.empty(&referrers)
        OrderScratch.empty(&referrerWeights)
        OrderScratch.empty(&credits)
        OrderScratch.empty(&pending)
    }

    /// Empties an array of a few elements, keeping its storage, by taking them off the end:
    /// `removeAll(keepingCapacity:)` replaces the whole range through the general
    /// `replaceSubrange` (six calls of it were 4% of evaluating an order on the reference
    /// kit's medium data).
    private static func empty<Element>(_ array: inout [Element]) {
        while array.popLast() != nil {}
    }
}
