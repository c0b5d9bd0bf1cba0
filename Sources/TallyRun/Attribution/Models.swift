import TallyCheck

/// Attribution models: the weight each kept touch gets. Touches come sorted by
/// (instant, input order), so the first is the earliest and the last the latest.
enum AttributionModel {
    /// The weight of each of `touches`, written into `weights` (emptied first: the
    /// runner reuses its storage from order to order).
    static func weights(_ model: AttributionSettings.Model, touches: [Touch], at orderTime: Int64, into weights: inout [Weight]) {
        let count = touches.count
        weights.removeAll(keepingCapacity: true)
        guard count > 0 else { return }
        weights.append(contentsOf: repeatElement(Weight.zero, count: count))
        switch model {
        case .lastTouch:
            weights[count - 1] = .one
        case .firstTouch:
            weights[0] = .one
        case .linear:
            for index in 0..<count { weights[index] = .fraction(1, Int64(count)) }
        case .timeDecay(let halfLife):
            for (index, touch) in touches.enumerated() {
                weights[index] = .decay(age: orderTime - touch.at.secondsSinceEpoch, halfLife: halfLife)
            }
        case .positionBased(let first, let last):
            if count == 1 {
                weights[0] = .one
            } else if count == 2 {
                // Two touches split first:last in their ratio (40/40 -> 50/50).
                let total = first + last
                if total == 0 {
                    weights[0] = .fraction(1, 2)
                    weights[1] = .fraction(1, 2)
                } else {
                    weights[0] = .fraction(first, total)
                    weights[1] = .fraction(last, total)
                }
            } else {
                weights[0] = .fraction(first, 10_000)
                weights[count - 1] = .fraction(last, 10_000)
                let middle = 10_000 - first - last
                for index in 1..<(count - 1) { weights[index] = .fraction(middle, 10_000 * Int64(count - 2)) }
            }
        }
    }
}

/// Splits an amount by weights with the largest remainder method, so the parts add up
/// exactly. Equal remainders: the earlier `priority` (the referrer whose earliest kept
/// touch is earliest) gets the unit first.
enum LargestRemainder {
    static func split(_ amount: Int64, weights: [Weight], priority: [Int]) -> [Int64] {
        let total = weights.reduce(Int128(0)) { $0 + Int128($1.raw) }
        guard total > 0, amount != 0 else { return Array(repeating: 0, count: weights.count) }
        // One credited referrer (most orders) takes the whole amount.
        if weights.count == 1 { return [amount] }
        let negative = amount < 0
        let magnitude = Int128(negative ? -amount : amount)
        var parts: [Int64] = []
        var remainders: [Remainder] = []
        var assigned: Int128 = 0
        for (index, weight) in weights.enumerated() {
            let product = magnitude * Int128(weight.raw)
            let base = product / total
            parts.append(Int64(base))
            assigned += base
            remainders.append(Remainder(value: product % total, priority: priority[index], index: index))
        }
        remainders.sort { a, b in a.value != b.value ? a.value > b.value : a.priority < b.priority }
        var left = Int(magnitude - assigned)
        var cursor = 0
        while left > 0 {
            parts[remainders[cursor].index] += 1
            left -= 1
            cursor += 1
        }
        return negative ? parts.map { -$0 } : parts
    }

    /// What a part lost to rounding down, and who gets a leftover cent first. (A struct,
    /// not a tuple: an array of tuples looks up its type at run time on every call.)
    private struct Remainder {
        var value: Int128
        var priority: Int
        var index: Int
    }

    /// Splits `amount` in proportion to integer amounts (for per-order caps).
    static func split(_ amount: Int64, proportionalTo amounts: [Int64], priority: [Int]) -> [Int64] {
        let weights = amounts.map { Weight(raw: UInt64(max(0, $0))) }
        return split(amount, weights: weights, priority: priority)
    }
}
