import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A part of a file read into a buffer of its own, for scanning a large file a window at
/// a time without holding it: mapping a 2 GB clicks file whole made the process count
/// 2 GB of resident memory, more than the run itself held at its peak (and mapping it a
/// window at a time spent more on page faults than `pread` spends copying).
enum FileWindow {
    /// Windows of this many bytes when scanning a whole range.
    static let size = 4 << 20

    /// Calls `body` with the bytes `range` of the open file `descriptor` (nil when they
    /// cannot all be read).
    static func read<Result>(_ descriptor: Int32, _ range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result? {
        var buffer = [UInt8](repeating: 0, count: range.count)
        return read(descriptor, range, into: &buffer, body)
    }

    private static func read<Result>(_ descriptor: Int32, _ range: Range<Int>, into buffer: inout [UInt8],
                                     _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result? {
        let read = buffer.withUnsafeMutableBytes { FileBytes.read(descriptor, into: $0.baseAddress!, count: range.count, at: range.lowerBound) }
        guard read == range.count else { return nil }
        return buffer.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[0..<range.count])) }
    }

    /// Calls `body` with `range` a window at a time (and the window's offset in the
    /// file) until it returns false; false when a window could not be read or `body`
    /// stopped.
    static func scan(_ descriptor: Int32, _ range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>, Int) -> Bool) -> Bool {
        var buffer = [UInt8](repeating: 0, count: min(size, range.count))
        var offset = range.lowerBound
        while offset < range.upperBound {
            let end = min(range.upperBound, offset + size)
            guard let going = read(descriptor, offset..<end, into: &buffer, { body($0, offset) }), going else { return false }
            offset = end
        }
        return true
    }
}
