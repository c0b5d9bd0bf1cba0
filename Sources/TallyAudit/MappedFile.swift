import Foundation

/// A file's bytes mapped into memory read-only, to be read in place.
///
/// Why: read into a buffer, every byte of an input is copied once more by the kernel. The
/// input digests read the whole of every ledger (2 GB of clicks on the reference kit's
/// large data) beside the ledgers' own reading, and the copy was a third of their CPU
/// time, taken from the two cores that parse the ledgers.
///
/// A mapped file that another program cuts short while it is read would stop the process
/// with SIGBUS; Tally then says so and exits with status 2 (see `truncationWatch`).
struct MappedFile {
    let bytes: UnsafeRawBufferPointer

    /// Maps the regular file open at `descriptor`, nil when it is not one, is empty, or
    /// the system refuses.
    init?(descriptor: Int32) {
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size > 0 else { return nil }
        let count = Int(info.st_size)
        guard let base = mmap(nil, count, PROT_READ, MAP_SHARED, descriptor, 0), base != MAP_FAILED else { return nil }
        _ = MappedFile.truncationWatch
        // Read once, front to back.
        _ = madvise(base, count, MADV_SEQUENTIAL)
        bytes = UnsafeRawBufferPointer(start: base, count: count)
    }

    /// Unmaps the file.
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
