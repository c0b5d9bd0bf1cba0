import Dispatch
import TallyLedgers
import TallyPrefetch

/// Each customer's clicks side by side, oldest first, with the instant and referrer that
/// attribution reads of them: a customer's lookback window is then one short run of
/// adjacent entries.
///
/// Why not follow the clicks table: a customer's clicks are spread over the whole time
/// line, so reading their instants and referrers there was a cache miss per click per
/// order (on the reference kit's large data, 10 million clicks, those misses were a third
/// of evaluating an order; an index of positions alone still missed on every instant).
struct CustomerClicks {
    /// A click as the lookback reads it.
    struct Entry {
        /// Seconds after `base` (see `at(_:)`).
        var offset: UInt32
        /// The click's position in the clicks table.
        var click: Int32
        /// The click's referrer (index into the referrers ledger).
        var referrer: Int32
        /// The click's channel number (`ClickTable.code`), -1 when the table keeps none.
        var channel: Int32
    }

    /// Customer slot (see `CustomerSlots`) -> where its entries start; one more slot
    /// holds the end of the last customer's.
    private var starts: [Int32]
    /// Every keyed click, grouped by customer, in table (time) order within a customer.
    private(set) var entries: [Entry]
    /// The first click's instant: entries hold seconds after it (16 bytes an entry instead
    /// of 20 keeps the run's peak memory below DuckDB's on the reference kit's large data).
    private let base: Int64
    /// Each entry's instant, kept only when clicks span more than 2³² seconds (136 years)
    /// and an offset cannot hold it.
    private var wideInstants: [Int64] = []

    /// Groups the clicks of `table` by customer; clicks without a customer key
    /// (`noCustomer`) are left out: they can never touch an order.
    ///
    /// On two cores, each taking half of the clicks: when the run starts the renderer has
    /// nothing to do yet, and grouping is a scattered write per click into 16 bytes that
    /// were never touched (on one core, 0.45 s of the reference kit's large data while the
    /// other waited). The second half's clicks of a customer go after the first half's,
    /// where counting the first half puts them, so the entries are the same either way.
    init(_ table: ClickTable, noCustomer: Int32, slots: CustomerSlots? = nil) {
        let slots = (slots ?? CustomerSlots(identityFor: table.customerCount)).ofCustomer
        // Whole columns, read in order (a call per field per click was most of this).
        let (instants, referrers, customerOf) = table.columns
        let channels = table.codes(.channel)
        let customers = table.customerCount
        let clicks = instants.count
        let middle = clicks / 2
        let halves = [0..<middle, middle..<clicks]
        // Each half's clicks per customer, counted side by side.
        let counts = Counts(halves: 2, customers: customers)
        DispatchQueue.concurrentPerform(iterations: 2) { half in
            let row = counts.rows[half]
            customerOf.withUnsafeBufferPointer { customerOf in
                for index in halves[half] where customerOf[index] != noCustomer { row[Int(slots[Int(customerOf[index])])] += 1 }
            }
        }
        // Where each customer's entries start, and where each half writes its first.
        var starts: [Int32] = HugePages.zeroed(count: customers + 1)
        let next = Counts(halves: 2, customers: customers)
        var total: Int32 = 0
        for customer in 0..<customers {
            starts[customer] = total
            next.rows[0][customer] = total
            next.rows[1][customer] = total + counts.rows[0][customer]
            total += counts.rows[0][customer] + counts.rows[1][customer]
        }
        starts[customers] = total
        counts.release()
        let base = instants.first ?? 0
        let wide = (instants.last ?? 0) - base > Int64(UInt32.max)
        self.base = base
        entries = [Entry](unsafeUninitializedCapacity: Int(total)) { buffer, count in
            count = 0
            guard total > 0, let storage = buffer.baseAddress else { return }
            // In small pages, not huge ones: a huge page touched for the first time is
            // zeroed at some four times the cost (see `HugePages`), and the entries, 160 MB
            // on the reference kit's large data, are all touched once while both cores wait
            // for them. Evaluating the large data (`tally-bench`, medians of three, four
            // builds each alternating) took 2.88-3.21 s so, 3.22-3.86 s in huge pages.
            let entries = SharedEntries(base: storage)
            DispatchQueue.concurrentPerform(iterations: 2) { half in
                let next = next.rows[half]
                for index in halves[half] {
                    guard customerOf[index] != noCustomer else { continue }
                    let customer = Int(slots[Int(customerOf[index])])
                    let slot = Int(next[customer])
                    next[customer] += 1
                    (entries.base + slot).initialize(to: Entry(offset: wide ? 0 : UInt32(instants[index] - base), click: Int32(index),
                                                               referrer: referrers[index], channel: channels?[index] ?? -1))
                }
            }
            count = Int(total)
        }
        next.release()
        self.starts = starts
        if wide { wideInstants = entries.map { table.instant(Int($0.click)).secondsSinceEpoch } }
    }

    /// A count (or a next slot) per customer for each half of the clicks, written by the
    /// half's own thread only.
    private final class Counts: @unchecked Sendable {
        let rows: [UnsafeMutableBufferPointer<Int32>]
        init(halves: Int, customers: Int) {
            rows = (0..<halves).map { _ in
                let row = UnsafeMutableBufferPointer<Int32>.allocate(capacity: customers)
                row.initialize(repeating: 0)
                return row
            }
        }
        func release() { rows.forEach { $0.deallocate() } }
    }

    /// The entries' storage while the two halves fill it: each writes slots of its own.
    private struct SharedEntries: @unchecked Sendable {
        let base: UnsafeMutablePointer<Entry>
    }

    /// The instant of the entry at `position`, in seconds since the epoch.
    @inline(__always)
    func at(_ position: Int) -> Int64 {
        wideInstants.isEmpty ? base + Int64(entries[position].offset) : wideInstants[position]
    }

    /// Asks for the place in `starts` of the customer at slot `number`, to be read soon.
    func prefetch(_ number: Int) {
        guard number >= 0, number + 1 < starts.count else { return }
        starts.withUnsafeBufferPointer { tally_prefetch($0.baseAddress! + number) }
    }

    /// Asks for the first entries of the customer at slot `number`, to be read soon (reads
    /// where they start: ask for that with `prefetch` first).
    func prefetchEntries(_ number: Int) {
        guard number >= 0, number + 1 < starts.count else { return }
        let start = Int(starts[number])
        guard start < entries.count else { return }
        entries.withUnsafeBufferPointer { tally_prefetch($0.baseAddress! + start) }
    }

    /// The positions in `entries` of the clicks of the customer at slot `number`.
    func range(of number: Int) -> Range<Int> {
        guard number >= 0, number + 1 < starts.count else { return 0..<0 }
        return Int(starts[number])..<Int(starts[number + 1])
    }

    /// The positions of the clicks of the customer at slot `number` at `from` or later and
    /// at `through` or earlier (seconds since the epoch), oldest first.
    func clicks(of number: Int, from: Int64, through: Int64) -> Range<Int> {
        let all = range(of: number)
        var end = all.lowerBound
        while end < all.upperBound, at(end) <= through { end += 1 }
        var begin = end
        while begin > all.lowerBound, at(begin - 1) >= from { begin -= 1 }
        return begin..<end
    }
}
