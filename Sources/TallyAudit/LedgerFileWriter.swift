import Foundation

/// Writes a decision ledger's bytes to its file in large blocks, straight to the disk
/// (`O_DIRECT`) and on a thread of its own, so the renderer neither copies 1.5 GB into
/// the page cache nor waits for the disk.
///
/// Why not the page cache: on this project's VM a page the kernel hands out for the first
/// time costs some 2.6 s a gigabyte of system time, and a run's ledger is written into
/// pages the kernel must find afresh whenever the previous ledger's were let go of: the
/// reference kit's large ledger then took 3-4 s of the renderer's core to write, against
/// 0.2 s this way (and the disk's own time, spent on the writer's thread). The file's
/// bytes are the same either way; where the system offers no direct writes (a tmpfs, a
/// pipe, /dev/null) or refuses one, the rest is written through the page cache.
final class LedgerFileWriter: @unchecked Sendable {
    /// Bytes per block. Direct writes need the memory, the file offset and the length
    /// aligned to the device's blocks: 4 KiB covers every common device.
    static let blockSize = 8 << 20
    static let alignment = 4096
    /// Blocks in flight: one being filled, the others being written.
    private static let blocks = 3

    /// Linux's `O_DIRECT`, which Swift's Glibc module does not export (its value differs
    /// by architecture); nil where it is not known: writes then use the page cache.
    private static let directFlag: Int32? = {
        #if os(Linux) && (arch(x86_64) || arch(i386))
        return 0o40000
        #elseif os(Linux) && arch(arm64)
        return 0o200000
        #else
        return nil
        #endif
    }()

    private let descriptor: Int32
    /// Whether writes bypass the page cache (set once, cleared when refused).
    private var direct: Bool
    /// The block being filled (touched by the owner's thread only).
    private var current: UnsafeMutableRawPointer
    private var filled = 0
    /// The file offset of `current`'s first byte.
    private var offset: Int
    /// Blocks free to fill, guarded by `lock`; `free` counts them.
    private var spare: [UnsafeMutableRawPointer] = []
    private var all: [UnsafeMutableRawPointer] = []
    private let lock = NSLock()
    private let freeBlocks = DispatchSemaphore(value: 0)
    private let queue = DispatchQueue(label: "tally.ledger-file")
    /// Why a write failed, once one has (guarded by `lock`); later bytes are dropped.
    private var failure: String?
    /// Writes bytes at an offset of the file: `pwrite`, or a stand-in in tests (a direct
    /// write that a file system accepts when the file is opened and refuses later cannot
    /// be made to happen on purpose).
    private let writeBytes: (_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int, _ at: off_t) -> Int

    /// Whether writes still bypass the page cache.
    var isDirect: Bool { direct }

    /// A writer of `descriptor` from its current offset on.
    init(descriptor: Int32,
         writeBytes: @escaping (_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int, _ at: off_t) -> Int = { pwrite($0, $1, $2, $3) }) {
        self.descriptor = descriptor
        self.writeBytes = writeBytes
        offset = Int(lseek(descriptor, 0, SEEK_CUR))
        if offset < 0 { offset = 0 }
        if let flag = LedgerFileWriter.directFlag {
            let flags = fcntl(descriptor, F_GETFL)
            direct = flags >= 0 && offset % LedgerFileWriter.alignment == 0 && fcntl(descriptor, F_SETFL, flags | flag) == 0
        } else {
            direct = false
        }
        for _ in 0..<LedgerFileWriter.blocks {
            all.append(UnsafeMutableRawPointer.allocate(byteCount: LedgerFileWriter.blockSize, alignment: LedgerFileWriter.alignment))
        }
        current = all[0]
        for block in all.dropFirst() {
            spare.append(block)
            freeBlocks.signal()
        }
    }

    deinit {
        queue.sync {}
        all.forEach { $0.deallocate() }
    }

    /// Why writing failed, once it has.
    var problem: String? {
        lock.lock()
        defer { lock.unlock() }
        return failure
    }

    /// Adds bytes at the end of the file.
    func append(_ bytes: UnsafeRawBufferPointer) {
        guard var source = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let count = min(remaining, LedgerFileWriter.blockSize - filled)
            (current + filled).copyMemory(from: source, byteCount: count)
            filled += count
            source += count
            remaining -= count
            if filled == LedgerFileWriter.blockSize { handOver() }
        }
    }

    /// Hands the full block to the writer's thread and takes a free one.
    private func handOver() {
        let block = Block(base: current), at = offset, count = filled
        queue.async {
            self.write(block.base, count: count, at: at)
            self.lock.lock()
            self.spare.append(block.base)
            self.lock.unlock()
            self.freeBlocks.signal()
        }
        offset += count
        filled = 0
        freeBlocks.wait()
        lock.lock()
        current = spare.removeLast()
        lock.unlock()
    }

    /// A block handed to the writer's thread, which alone touches it until it is spare.
    private struct Block: @unchecked Sendable {
        let base: UnsafeMutableRawPointer
    }

    /// Writes what is left and waits for every write; returns the file's length.
    func finish() -> Int {
        queue.sync {}
        // The whole blocks of the last part directly, its tail through the page cache.
        let whole = filled / LedgerFileWriter.alignment * LedgerFileWriter.alignment
        write(current, count: whole, at: offset)
        if whole < filled {
            stopDirect()
            write(current + whole, count: filled - whole, at: offset + whole)
        }
        offset += filled
        filled = 0
        return offset
    }

    /// Writes `count` bytes of `block` at `at` whole (on the writer's thread, or the
    /// owner's once nothing is in flight).
    private func write(_ block: UnsafeMutableRawPointer, count: Int, at: Int) {
        guard problem == nil else { return }
        var done = 0
        while done < count {
            let written = writeBytes(descriptor, block + done, count - done, off_t(at + done))
            if written < 0 {
                if errno == EINTR { continue }
                // A direct write refused (a file system without them, an odd device
                // block): the same bytes through the page cache.
                if errno == EINVAL, direct {
                    stopDirect()
                    continue
                }
                let words = String(cString: strerror(errno))
                lock.lock()
                failure = words
                lock.unlock()
                return
            }
            done += written
        }
    }

    private func stopDirect() {
        guard direct else { return }
        direct = false
        if let flag = LedgerFileWriter.directFlag {
            let flags = fcntl(descriptor, F_GETFL)
            if flags >= 0 { _ = fcntl(descriptor, F_SETFL, flags & ~flag) }
        }
    }
}
