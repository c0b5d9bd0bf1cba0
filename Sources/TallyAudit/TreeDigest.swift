import Foundation
import TallyLedgers
import TallySHA256

/// The digests of input files: a ledger can be gigabytes (the reference kit's clicks file
/// is 2 GB), and one SHA-256 stream runs at the latency of the processor's round
/// instruction (1.7 GB/s on the machine of README's Performance table, 1.2 s of that
/// file). A tree hash splits the file into leaves hashed independently, two at a time
/// (`tally_sha256_many`): 1.0 s of CPU against 1.5-1.9 s for the same file read and
/// hashed as one stream, on that machine.
///
/// The tree is the one Amazon S3 Glacier defines for its archives: the file is cut into
/// leaves of 1 MiB (the last may be shorter), each leaf is hashed with SHA-256, and
/// neighbouring digests are hashed in pairs (the 64 bytes of both), level after level;
/// a digest left alone at the end of a level goes up as it is. A file of one leaf or
/// less has its plain SHA-256 as its tree hash, so small inputs are recorded as
/// `sha256` (what `sha256sum` prints) and larger ones as `sha256_tree`
/// (`scripts/input_digests.py` recomputes either).
extension Digest {
    /// Bytes per leaf of the tree hash.
    public static let treeLeaf = 1 << 20

    /// An input file's digest, nil when it cannot be read: its SHA-256 when it fits in
    /// one leaf, else the root of its SHA-256 tree.
    public static func input(_ path: String) -> (hex: String, method: FileDigest.Method)? {
        guard let tree = tree(path) else { return nil }
        return (hex(tree.root), tree.leaves > 1 ? .sha256Tree : .sha256)
    }

    /// A file's digest taken as `method` (to compare a file with a digest recorded that way).
    public static func file(_ path: String, as method: FileDigest.Method) -> String? {
        switch method {
        case .sha256: file(path)
        case .sha256Tree: tree(path).map { hex($0.root) }
        }
    }

    /// The root of a file's SHA-256 tree and how many leaves it has (an empty file has
    /// one, empty); nil when the file cannot be read.
    /// A file larger than two leaves is read where it lies, mapped (see `MappedFile`),
    /// unless `mapping` is false.
    static func tree(_ path: String, mapping: Bool = true) -> (root: [UInt8], leaves: Int)? {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        if mapping, let size = MappedFile.size(of: descriptor), size > 2 * treeLeaf, let tree = mappedTree(descriptor, size: size) {
            return tree
        }
        // Two leaves at a time, one buffer for the whole file.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 2 * treeLeaf, alignment: 64)
        defer { buffer.deallocate() }
        var leaves: [UInt8] = []
        while true {
            guard let count = FileBytes.read(descriptor, into: buffer.baseAddress!, count: buffer.count) else { return nil }
            if count == 0, !leaves.isEmpty { break }
            hashLeafPair(UnsafeRawBufferPointer(rebasing: buffer[..<count]), into: &leaves)
            if count < buffer.count { break }
        }
        return (root(of: leaves), leaves.count / 32)
    }

    /// The tree of the `size` bytes of the file open at `descriptor`, read where they lie
    /// a window at a time (see `MappedFile`); nil when the system refuses to map it.
    private static func mappedTree(_ descriptor: Int32, size: Int) -> (root: [UInt8], leaves: Int)? {
        var leaves: [UInt8] = []
        leaves.reserveCapacity((size / treeLeaf + 1) * 32)
        var start = 0
        while start < size {
            guard let window = MappedFile(descriptor: descriptor, offset: start, count: min(MappedFile.window, size - start)) else { return nil }
            defer { window.release() }
            // The same leaves, two at a time, as read into a buffer.
            var offset = 0
            while offset < window.bytes.count {
                let count = min(2 * treeLeaf, window.bytes.count - offset)
                hashLeafPair(UnsafeRawBufferPointer(rebasing: window.bytes[offset..<offset + count]), into: &leaves)
                offset += count
            }
            start += window.bytes.count
        }
        return (root(of: leaves), leaves.count / 32)
    }

    /// Hashes the one or two leaves `bytes` holds (at most two leaves' worth, a whole
    /// leaf first), appending their digests to `digests`.
    private static func hashLeafPair(_ bytes: UnsafeRawBufferPointer, into digests: inout [UInt8]) {
        let count = bytes.count
        hashLeaves(bytes, lengths: count <= treeLeaf ? [count] : [treeLeaf, count - treeLeaf], into: &digests)
    }

    /// Hashes the leaves lying back to back at the start of `bytes`, each `lengths[i]`
    /// long, appending their digests to `digests`.
    static func hashLeaves(_ bytes: UnsafeRawBufferPointer, lengths: [Int], into digests: inout [UInt8]) {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        var starts: [Int] = [], blocks: [Int] = [], start = 0
        for length in lengths {
            starts.append(start)
            blocks.append(length / 64)
            start += length
        }
        var states = [tally_sha256_state](repeating: tally_sha256_state(), count: lengths.count)
        for index in states.indices { tally_sha256_start(&states[index]) }
        tally_sha256_many(&states, base, starts, blocks, lengths.count)
        var digest = [UInt8](repeating: 0, count: 32)
        for index in states.indices {
            let whole = blocks[index] * 64
            tally_sha256_finish(&states[index], base + starts[index] + whole, lengths[index] - whole, UInt64(lengths[index]), &digest)
            digests += digest
        }
    }

    /// The root of a tree whose leaves' digests lie back to back in `level`.
    static func root(of leaves: [UInt8]) -> [UInt8] {
        var level = leaves
        while level.count > 32 {
            var next: [UInt8] = []
            next.reserveCapacity(level.count / 2 + 32)
            for start in stride(from: 0, to: level.count, by: 64) {
                if start + 64 <= level.count {
                    level.withUnsafeBytes { hashLeaves(UnsafeRawBufferPointer(rebasing: $0[start..<start + 64]), lengths: [64], into: &next) }
                } else {
                    next += level[start..<start + 32]
                }
            }
            level = next
        }
        return level
    }
}
