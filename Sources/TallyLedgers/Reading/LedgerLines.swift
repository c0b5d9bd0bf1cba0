import Foundation

/// The lines of a file, read front to back a block at a time, without holding the file:
/// JSON Lines ledgers, and the decision and paid ledgers checked or compared by `tally
/// verify`, `explain` and `close`. (`tally verify` read the reference kit's 1.5 GB
/// ledger whole, as bytes, as text and as lines, and re-derived it whole beside them:
/// 8.7 GB and 88 s.) Lines are split at "\n" only, as `HashChain.lines` splits them; a
/// last line without its line end is a line too.
public final class LedgerLines {
    private let descriptor: Int32
    private var buffer: UnsafeMutableRawPointer
    private var capacity: Int
    /// The unread bytes are `start..<end` of `buffer`.
    private var start = 0
    private var end = 0
    private var atEnd = false
    /// Why reading failed, if it did (the lines read until then stand).
    public private(set) var problem: String?
    /// Whether the line `next()` gave last ended with a line end.
    public private(set) var lastHadLineEnd = true

    /// Reads up to `count` bytes at `into` from the open file: the system's `read`
    /// (below 0 on an error, with `errno` set), or a stand-in in tests.
    private let readBytes: (_ descriptor: Int32, _ into: UnsafeMutableRawPointer, _ count: Int) -> Int

    /// The lines of the file at `path`; nil when it cannot be opened.
    public convenience init?(path: String, blockSize: Int = 8 << 20) {
        self.init(path: path, blockSize: blockSize, readBytes: { read($0, $1, $2) })
    }

    /// The lines of the file at `path`, read through `readBytes` (tests make reads fail).
    init?(path: String, blockSize: Int = 8 << 20, readBytes: @escaping (_ descriptor: Int32, _ into: UnsafeMutableRawPointer, _ count: Int) -> Int) {
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        capacity = max(1, blockSize)
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        self.readBytes = readBytes
    }

    deinit {
        buffer.deallocate()
        close(descriptor)
    }

    /// The next line, without its line end; nil after the last. The bytes stay valid
    /// until the next call.
    public func next() -> UnsafeBufferPointer<UInt8>? {
        while true {
            if start < end, let found = memchr(buffer + start, 10, end - start) {
                let length = UnsafeMutableRawPointer(found) - (buffer + start)
                let line = UnsafeBufferPointer(start: (buffer + start).assumingMemoryBound(to: UInt8.self), count: length)
                start += length + 1
                lastHadLineEnd = true
                return line
            }
            if atEnd {
                guard start < end else { return nil }
                let line = UnsafeBufferPointer(start: (buffer + start).assumingMemoryBound(to: UInt8.self), count: end - start)
                start = end
                lastHadLineEnd = false
                return line
            }
            // The unfinished line to the front, then more bytes after it (a line longer than
            // the buffer doubles it).
            if start > 0 {
                if end > start { memmove(buffer, buffer + start, end - start) }
                end -= start
                start = 0
            }
            if end == capacity {
                let larger = UnsafeMutableRawPointer.allocate(byteCount: capacity * 2, alignment: 16)
                larger.copyMemory(from: buffer, byteCount: end)
                buffer.deallocate()
                buffer = larger
                capacity *= 2
            }
            let count = readBytes(descriptor, buffer + end, capacity - end)
            if count > 0 {
                end += count
            } else if count == 0 {
                atEnd = true
            } else if errno != EINTR {
                problem = String(cString: strerror(errno))
                atEnd = true
            }
        }
    }
}
