import TallyPrefetch

/// Where each order is in the ledger's orders, by its id: an open-addressing table of
/// hashes and positions, in memory advised to use huge pages, whose slot for an id is
/// asked for a line before the id's order is recorded (see `prefetch`). With a
/// `[String: Int]`, in small pages and with no way to ask for a slot ahead, each of the
/// reference kit's million orders waited for memory twice (the page's address, then the
/// slot) and recording the ids was a quarter of loading the orders.
///
/// Ids are told apart as `String`s (`==`), so two ids that are the same text are one id
/// even when their bytes differ (a precomposed é or e + accent): ids with bytes outside
/// ASCII, whose bytes cannot be hashed for that, are kept in a dictionary of their own.
struct OrderPositions {
    /// Two words a slot: the id's hash (0: an empty slot), then the id's place in
    /// `entries`. A power of two slots, at most three quarters full.
    private var slots: [UInt64] = Array(repeating: 0, count: 2 * 1024)
    /// The ids with a slot and their orders' positions, in the order they came.
    private var entries: [(id: String, position: Int)] = []
    private var unicode: [String: Int] = [:]

    private var slotCount: Int { slots.count / 2 }

    /// Room for `count` ids in all without growing.
    mutating func reserveCapacity(_ count: Int) {
        entries.reserveCapacity(count)
        var size = slotCount
        while 3 * size < 4 * count { size *= 2 }
        if size > slotCount { rehash(into: size) }
    }

    /// Records that the order with `id` is at `position`, unless an order has that id
    /// already: then nothing changes, and that order's position is returned.
    mutating func insert(_ id: String, at position: Int) -> Int? {
        guard let hash = OrderPositions.hash(id) else {
            if let known = unicode[id] { return known }
            unicode[id] = position
            return nil
        }
        let (known, slot) = find(id, hash)
        if let known { return known }
        if 4 * (entries.count + 1) > 3 * slotCount {
            rehash(into: 2 * slotCount)
            return insert(id, at: position)
        }
        slots[2 * slot] = hash
        slots[2 * slot + 1] = UInt64(entries.count)
        entries.append((id, position))
        return nil
    }

    /// The position of the order with `id`, if there is one.
    subscript(_ id: String) -> Int? {
        guard let hash = OrderPositions.hash(id) else { return unicode[id] }
        return find(id, hash).known
    }

    /// Asks for the slot where `id` is looked for, to be read soon; nothing is changed.
    func prefetch(_ id: String) {
        guard let hash = OrderPositions.hash(id) else { return }
        let slot = Int(truncatingIfNeeded: hash) & (slotCount - 1)
        slots.withUnsafeBufferPointer { tally_prefetch($0.baseAddress! + 2 * slot) }
    }

    /// The position recorded for `id`, or the empty slot where it would go.
    private func find(_ id: String, _ hash: UInt64) -> (known: Int?, slot: Int) {
        let mask = slotCount - 1
        return slots.withUnsafeBufferPointer { slots in
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[2 * slot] != 0 {
                if slots[2 * slot] == hash {
                    let entry = entries[Int(slots[2 * slot + 1])]
                    if entry.id == id { return (entry.position, slot) }
                }
                slot = (slot + 1) & mask
            }
            return (nil, slot)
        }
    }

    private mutating func rehash(into size: Int) {
        var grown: [UInt64] = HugePages.zeroed(count: 2 * size)
        let mask = size - 1
        grown.withUnsafeMutableBufferPointer { grown in
            for old in 0..<slotCount where slots[2 * old] != 0 {
                var slot = Int(truncatingIfNeeded: slots[2 * old]) & mask
                while grown[2 * slot] != 0 { slot = (slot + 1) & mask }
                grown[2 * slot] = slots[2 * old]
                grown[2 * slot + 1] = slots[2 * old + 1]
            }
        }
        slots = grown
    }

    /// A 64-bit hash of an ASCII id's bytes (never 0, see `DuplicateFilter.hash`), or nil
    /// for an id with other bytes.
    private static func hash(_ id: String) -> UInt64? {
        var id = id
        return id.withUTF8 { bytes in UTF8Text.isASCII(bytes) ? DuplicateFilter.hash(bytes) : nil }
    }
}
