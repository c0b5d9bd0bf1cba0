import TallySHA256
import TallySource

/// Decision records of one batch (see `DecisionLog.Stream`), rendered back to back, each
/// body (the record without its closing brace) followed by room for its link: `prev`,
/// `hash` and the line end (`HashChain.linkLength` bytes). The bodies do not depend on the
/// chain, so they are rendered and hashed wherever there is a core to spare (the runner's,
/// while the renderer has batches waiting); the chain then only fills in the links, in
/// order, and the box is written out as it is.
///
/// A box is filled on one thread, linked on the renderer's queue after the hand-over, and
/// given back to be filled again.
final class RenderedBodies: @unchecked Sendable {
    var writer = JSONWriter(capacity: 1 << 19)
    /// Where each record's body ends in `writer`, in batch order; its link follows.
    private(set) var ends: [Int] = []
    /// Each body's SHA-256 state after its whole 64-byte blocks (see `hashBodies`), and
    /// where those blocks are: room kept from batch to batch.
    private var states: [tally_sha256_state] = []
    private var starts: [Int] = []
    private var blocks: [Int] = []

    /// How many records the box holds.
    var count: Int { ends.count }

    /// Ends the record whose body was rendered last, leaving its link to be filled in.
    func endBody() {
        ends.append(writer.count)
        HashChain.linkTemplate.withUTF8Buffer { writer.raw($0) }
        writer.startValue()
    }

    /// Takes in every body's whole blocks, two bodies at a time: one body alone keeps
    /// the processor's SHA units idle three cycles in four (see TallySHA256), and the
    /// bodies are some 1.5 GB on the reference kit's large data.
    func hashBodies() {
        states.removeAll(keepingCapacity: true)
        starts.removeAll(keepingCapacity: true)
        blocks.removeAll(keepingCapacity: true)
        var initial = tally_sha256_state()
        tally_sha256_start(&initial)
        var start = 0
        for end in ends {
            states.append(initial)
            starts.append(start)
            blocks.append((end - start) / 64)
            start = end + HashChain.linkLength
        }
        writer.withBytes { all in
            guard let base = all.baseAddress else { return }
            tally_sha256_many(&states, base, starts, blocks, states.count)
        }
    }

    /// Fills in the links, in order, after `hashBodies`: the first record's `prev` is
    /// `previous`, which becomes the last record's hash.
    func link(after previous: inout String) {
        precondition(states.count == ends.count, "bodies linked before they were hashed")
        guard !ends.isEmpty else { return }
        let lastHashAt = ends[ends.count - 1] + HashChain.hashOffset
        writer.withMutableBytes { all in
            guard let base = all.baseAddress else { return }
            var previous = previous
            previous.withUTF8 { first in
                precondition(first.count == 64, "a chain's hash has 64 hex digits")
                (base + ends[0] + HashChain.prevOffset).update(from: first.baseAddress!, count: 64)
            }
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 160) { tail in
                var start = 0
                for index in ends.indices {
                    let end = ends[index], link = base + end
                    if index > 0 {
                        // `prev` is the hash just written in the link before.
                        (link + HashChain.prevOffset).update(from: base + ends[index - 1] + HashChain.hashOffset, count: 64)
                    }
                    // The record hashed is the body, `,"prev":"…"` and the closing brace:
                    // the bytes after the body's whole blocks, up to `prev`'s closing quote,
                    // then `}` (the link has `,"hash"` there).
                    let rest = start + 64 * blocks[index]
                    let tailCount = end + HashChain.prevOffset + 65 - rest
                    tail.baseAddress!.update(from: base + rest, count: tailCount)
                    tail[tailCount] = 125  // "}"
                    var digest: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
                    withUnsafeMutableBytes(of: &digest) { digest in
                        let bytes = digest.baseAddress!.assumingMemoryBound(to: UInt8.self)
                        tally_sha256_finish(&states[index], tail.baseAddress!, tailCount + 1,
                                            UInt64(end - start + HashChain.prevOffset + 66), bytes)
                        Digest.writeHex(UnsafeRawBufferPointer(digest), to: link + HashChain.hashOffset)
                    }
                    start = end + HashChain.linkLength
                }
            }
        }
        previous = writer.withBytes { all in
            String(decoding: UnsafeBufferPointer(rebasing: all[lastHashAt..<lastHashAt + 64]), as: UTF8.self)
        }
    }

    /// Empties the box, keeping its room.
    func removeAll() {
        writer.removeAll()
        ends.removeAll(keepingCapacity: true)
        states.removeAll(keepingCapacity: true)
    }
}
