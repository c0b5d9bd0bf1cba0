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
