import TallySource

/// Decision records of one batch rendered on the runner's core before it handed the batch
/// over (see `DecisionLog.Stream`): their bodies back to back (each without its closing
/// brace), where each ends, and each body's hash so far. The chain is then left only its
/// own part: `prev`, `hash` and the few bytes of hashing in between.
///
/// The runner renders a batch this way only while the renderer has batches waiting, so
/// the rendering is shared between the cores as the runner's and the renderer's pace
/// allow. A box is filled on the runner's thread, read on the renderer's queue after the
/// hand-over, and given back to the runner to be filled again.
final class RenderedBodies: @unchecked Sendable {
    var writer = JSONWriter(capacity: 1 << 19)
    /// Where each record's body ends in `writer`, in batch order.
    var ends: [Int] = []
    /// Each record's body hash, taken by the chain (nil once taken).
    var hashes: [HashChain.BodyHash?] = []

    /// Empties the box, keeping its room.
    func removeAll() {
        writer.removeAll()
        ends.removeAll(keepingCapacity: true)
        hashes.removeAll(keepingCapacity: true)
    }
}
