import Foundation

/// How large arrays get their memory. Those read at random (hash slots, per-customer
/// indexes) are asked to be backed by 2 MiB pages where the system offers them (Linux
/// transparent huge pages in `madvise` mode): a random read then rarely misses the TLB
/// as well as the cache. Those filled once front to back (a run's decisions, a ledger's
/// orders or clicks) are not, and are reserved with `reserveCapacity`: on the VM of
/// README's Performance table a huge page touched for the first time costs about four
/// times what as many small pages do (1 GB: 2.1 s against 0.5 s, freshly freed memory
/// being handed back to the host), and advising them cost the reference kit's large data
/// 1 s of system time a run (2.3 s against 1.3 s, 12 runs) with no gain in user time.
public enum HugePages {
    /// An array of `count` zeros whose storage is advised to use huge pages.
    public static func zeroed<T: FixedWidthInteger>(count: Int) -> [T] {
        array(repeating: 0, count: count)
    }

    /// An array of `count` copies of `value` whose storage is advised to use huge pages.
    public static func array<T>(repeating value: T, count: Int) -> [T] {
        [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            advise(UnsafeMutableRawBufferPointer(buffer))
            buffer.initialize(repeating: value)
            initialized = count
        }
    }

    /// Reserves room for `capacity` elements in `array` (when it has less), and has the
    /// kernel supply the room's pages now, on another core, so the thread that fills the
    /// array later takes no page faults. For an array filled while the other core has little to
    /// do: a run's decisions, reserved when the run starts (the renderer has no records
    /// yet). On the machine of README's Performance table the first touch of the reference
    /// kit's million decisions, 170 MB, took 0.27 s of the runner's core. Every page of
    /// the room is supplied, filled or not: the room is for as many decisions as orders,
    /// and the large data fills four fifths of it (some 30 MB more at the peak).
    public static func reserveAndFault<T>(_ array: inout [T], capacity: Int) {
        if array.capacity < capacity { array.reserveCapacity(capacity) }
        let bytes = array.capacity * MemoryLayout<T>.stride
        array.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            faultInBackground(UnsafeMutableRawBufferPointer(start: base, count: bytes))
        }
    }

    /// Has the kernel supply every page of `region` on another thread (see `fault`): the
    /// owner may write the region meanwhile.
    public static func faultInBackground(_ region: UnsafeMutableRawBufferPointer) {
        guard let base = region.baseAddress else { return }
        let address = Int(bitPattern: base), count = region.count
        DispatchQueue.global(qos: .userInitiated).async {
            fault(UnsafeMutableRawBufferPointer(start: UnsafeMutableRawPointer(bitPattern: address), count: count))
        }
    }

    /// Has the kernel supply the whole pages inside `region` now, leaving their contents as
    /// they are (`MADV_POPULATE_WRITE`: a page already there is skipped, so another thread
    /// may write the region meanwhile; a region let go of meanwhile is refused harmlessly).
    /// Nothing happens on systems without it.
    public static func fault(_ region: UnsafeMutableRawBufferPointer) {
        #if os(Linux)
        // Whole pages only (the kernel refuses a start inside a page).
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard let base = region.baseAddress, page > 0 else { return }
        let start = (Int(bitPattern: base) + page - 1) & ~(page - 1)
        let end = (Int(bitPattern: base) + region.count) & ~(page - 1)
        // 2 MiB at a time: the kernel holds the process's memory map for the whole
        // of one call, and a thread that maps memory meanwhile (any large allocation, a
        // heap that grows) waits until it ends (the runner stood still for 0.3 s on the
        // reference kit's large data while its decisions' room, some 160 MB, was supplied in
        // one call, and still 0.1 s in calls of 8 MB: a fresh page costs that much here).
        let step = 2 << 20
        for chunk in stride(from: start, to: end, by: step) {
            guard let pointer = UnsafeMutableRawPointer(bitPattern: chunk) else { return }
            guard madvise(pointer, min(step, end - chunk), MADV_POPULATE_WRITE) == 0 else { return }
        }
        #endif
    }

    /// Advises huge pages for the whole 2 MiB pages inside `region` (no effect on small
    /// regions or systems without them).
    public static func advise(_ region: UnsafeMutableRawBufferPointer) {
        #if os(Linux)
        let size = 2 << 20
        guard let base = region.baseAddress, region.count >= 2 * size else { return }
        let start = (Int(bitPattern: base) + size - 1) & ~(size - 1)
        let end = (Int(bitPattern: base) + region.count) & ~(size - 1)
        guard end > start, let pointer = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(pointer, end - start, MADV_HUGEPAGE)
        #endif
    }
}
