import Foundation

/// A stretch of a file's bytes mapped into memory read-only, to be read in place.
///
/// Why: read into a buffer, every byte of an input is copied once more by the kernel. The
/// input digests read the whole of every ledger (2 GB of clicks on the reference kit's
/// large data) beside the ledgers' own reading, and the copy was a third of their CPU
/// time, taken from the two cores that parse the ledgers. A file is mapped a stretch at a
/// time (`window`), each let go of once read: mapped whole, its pages counted in the
/// process's resident memory while it was read (2.4 GB at the peak on that data).
///
/// A mapped file that another program cuts short while it is read would stop the process
/// with SIGBUS; Tally then says so and exits with status 2 (see `truncationWatch`).
struct MappedFile {
    let bytes: UnsafeRawBufferPointer

    /// Bytes mapped at a time: a multiple of any page size and of the tree's leaves.
    static let window = 16 << 20

    /// The size of the regular file open at `descriptor`, nil when it is not one.
    static func size(of descriptor: Int32) -> Int? {
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        return Int(info.st_size)
    }

    /// Maps `count` bytes of the file open at `descriptor` from `offset` (a multiple of the
    /// page size); nil when the system refuses.
    init?(descriptor: Int32, offset: Int, count: Int) {
        guard count > 0, let base = mmap(nil, count, PROT_READ, MAP_SHARED, descriptor, off_t(offset)), base != MAP_FAILED else { return nil }
        _ = MappedFile.truncationWatch
        // Read once, front to back.
        _ = madvise(base, count, MADV_SEQUENTIAL)
        bytes = UnsafeRawBufferPointer(start: base, count: count)
    }

    /// Unmaps the stretch.
    func release() {
        munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
    }

    /// Installed once, before the first file is mapped: a SIGBUS (a mapped page no longer
    /// backed by the file) ends the process with a sentence instead of a crash.
    static let truncationWatch: Void = {
        _ = signal(SIGBUS) { _ in
            // Only async-signal-safe calls here: a static text, write(2) and _exit(2).
            let words: StaticString = "tally: an input file became shorter while it was being read (was it changed during the run?); run again once it is complete\n"
            _ = write(2, words.utf8Start, words.utf8CodeUnitCount)
            _exit(2)
        }
    }()
}
