import Foundation

/// Large arrays read at random (hash slots, per-customer indexes) asked to be backed by
/// 2 MiB pages where the system offers them (Linux transparent huge pages in `madvise`
/// mode): a random read then rarely misses the TLB as well as the cache.
public enum HugePages {
    /// An array of `count` zeros whose storage is advised to use huge pages.
    public static func zeroed<T: FixedWidthInteger>(count: Int) -> [T] {
        [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            advise(UnsafeMutableRawBufferPointer(buffer))
            buffer.initialize(repeating: 0)
            initialized = count
        }
    }

    /// Reserves room for `capacity` elements in `array` (when it has less) and advises
    /// huge pages for that room: a large array filled once, front to back (a run's
    /// decisions, a ledger's orders or clicks), then takes one page fault per 2 MiB
    /// instead of one per 4 KiB (a first touch costs some 8 µs a page on the machine of
    /// README's Performance table: 0.3 s for the reference kit's million decisions).
    public static func reserve<T>(_ array: inout [T], capacity: Int) {
        guard array.capacity < capacity else { return }
        array.reserveCapacity(capacity)
        let bytes = array.capacity * MemoryLayout<T>.stride
        array.withUnsafeMutableBufferPointer { buffer in
            if let base = buffer.baseAddress { advise(UnsafeMutableRawBufferPointer(start: base, count: bytes)) }
        }
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
