import TallyPrefetch

/// What each per-referrer limit has counted so far, by limit, referrer and period (the
/// period's number as `applyLimits` computes it).
///
/// An open-addressing table with a multiplicative hash of the three integers: looked up
/// and updated for every decision of a program with a limit, a `Dictionary` of a
/// `Hashable` key spent most of that time seeding and finalizing its hasher (the limit
/// stage was 4% of evaluating the reference kit's medium data, over a third of it hashing).
struct LimitUse {
    private struct Slot {
        /// -1: empty.
        var limit: Int32 = -1
        var referrer: Int32 = 0
        var period: Int = 0
        var used: Int64 = 0
    }

    private var slots = [Slot](repeating: Slot(), count: 256)
    private var occupied = 0

    /// The amount counted against `limit` for `referrer` in `period` (0 when nothing has).
    func used(limit: Int, referrer: Int32, period: Int) -> Int64 {
        let slot = find(limit: limit, referrer: referrer, period: period)
        return slots[slot].limit < 0 ? 0 : slots[slot].used
    }

    /// Records `used` as what `limit` has counted for `referrer` in `period`.
    mutating func set(_ used: Int64, limit: Int, referrer: Int32, period: Int) {
        var slot = find(limit: limit, referrer: referrer, period: period)
        if slots[slot].limit < 0 {
            // Kept at most half full, so a probe meets an empty slot soon.
            if (occupied + 1) * 2 > slots.count {
                grow()
                slot = find(limit: limit, referrer: referrer, period: period)
            }
            occupied += 1
            slots[slot] = Slot(limit: Int32(limit), referrer: referrer, period: period, used: used)
        } else {
            slots[slot].used = used
        }
    }

    /// Asks for the slot where the key is looked for first, to be read soon (see
    /// `Runner.prefetchReferrer`): nothing is read or changed.
    func prefetch(limit: Int, referrer: Int32, period: Int) {
        let slot = Self.hash(limit: limit, referrer: referrer, period: period) & (slots.count - 1)
        slots.withUnsafeBufferPointer { tally_prefetch($0.baseAddress! + slot) }
    }

    /// The slot holding the key, or the empty slot where it would go.
    private func find(limit: Int, referrer: Int32, period: Int) -> Int {
        let mask = slots.count - 1
        var slot = Self.hash(limit: limit, referrer: referrer, period: period) & mask
        while true {
            let entry = slots[slot]
            if entry.limit < 0 || (Int(entry.limit) == limit && entry.referrer == referrer && entry.period == period) { return slot }
            slot = (slot + 1) & mask
        }
    }

    private static func hash(limit: Int, referrer: Int32, period: Int) -> Int {
        var mixed = UInt64(truncatingIfNeeded: limit) &* 0x9E37_79B9_7F4A_7C15
        mixed ^= UInt64(UInt32(bitPattern: referrer)) &* 0xC2B2_AE3D_27D4_EB4F
        mixed ^= UInt64(truncatingIfNeeded: period) &* 0x1656_67B1_9E37_79F9
        mixed ^= mixed >> 31
        mixed = mixed &* 0xBF58_476D_1CE4_E5B9
        mixed ^= mixed >> 29
        return Int(truncatingIfNeeded: mixed & 0x7FFF_FFFF_FFFF_FFFF)
    }

    private mutating func grow() {
        let old = slots
        slots = [Slot](repeating: Slot(), count: old.count * 2)
        for entry in old where entry.limit >= 0 {
            slots[find(limit: Int(entry.limit), referrer: entry.referrer, period: entry.period)] = entry
        }
    }
}
