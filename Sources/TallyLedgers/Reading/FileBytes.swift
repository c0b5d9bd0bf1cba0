import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reading an open file into memory the caller owns, through read(2)/pread(2): a buffer
/// reused from call to call, where `FileHandle.readData` made a new one each time (and
/// the kernel zeroed its pages: 2 GB of them for the reference kit's large clicks file).
public enum FileBytes {
    /// Reads up to `count` bytes into `buffer`, from the file's position (or from
    /// `offset`, leaving the position alone); fewer only at the end of the file. Nil on a
    /// read error. Interrupted reads are retried.
    public static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int? = nil) -> Int? {
        var total = 0
        while total < count {
            let got = offset.map { pread(descriptor, buffer + total, count - total, off_t($0 + total)) }
                ?? Foundation.read(descriptor, buffer + total, count - total)
            if got < 0, errno == EINTR { continue }
            if got < 0 { return nil }
            if got == 0 { break }
            total += got
        }
        return total
    }
}
