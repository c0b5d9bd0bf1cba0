import TallyPrefetch
import TallyValues

/// Trace boxes whose decisions were rendered, emptied with their arrays' room kept, handed
/// back from the renderer to the runner to be filled by later decisions.
///
/// Why: a decision's trace is a box with arrays of touches and rules. Made afresh for
/// every decision, each was three allocations on the runner's core, and letting go of them
/// once rendered (on that core, which they were made on: freed on the renderer's core they
/// went back to the runner's heap under its lock) was a ninth of the runner's samples on
/// the reference kit's large data. The renderer now empties what it rendered, on its own
/// core, and the runner fills the same boxes and arrays again.
///
/// Touched on the runner's thread only: the decision stream gives boxes back while the
/// runner hands it decisions (see `DecisionLog.Stream`).
public final class TraceRecycler: @unchecked Sendable {
    private var boxes: [Decision.TraceBox] = []
    /// Boxes given back and taken again, for tests.
    public private(set) var reused = 0

    /// At most this many boxes wait to be filled: as many as the decisions in flight
    /// between the runner and the renderer, then some. (More are let go of.)
    static let limit = 1 << 16

    public init() {}

    /// Takes the boxes emptied by the renderer (leaving `emptied` without them).
    public func give(_ emptied: inout EmptiedTraces) {
        let room = TraceRecycler.limit - boxes.count
        if emptied.boxes.count <= room {
            boxes.append(contentsOf: emptied.boxes)
        } else if room > 0 {
            boxes.append(contentsOf: emptied.boxes[..<room])
        }
        emptied.boxes.removeAll(keepingCapacity: true)
    }

    /// An emptied box to fill, nil when none waits.
    ///
    /// The boxes to be taken next are asked for ahead: the renderer emptied them on the
    /// other core, and the runner's first reads of a box and its arrays each waited for
    /// them to come over (two of the three slowest loads of `process`, a quarter of its
    /// own samples on the reference kit's large data). A box is taken for every order
    /// with a touch, so the next is asked for an order ahead; its arrays, whose addresses
    /// are in the box, once the box is at hand, when the next but one is asked for.
    func take() -> Decision.TraceBox? {
        guard let box = boxes.popLast() else { return nil }
        reused += 1
        boxes.withUnsafeBufferPointer { waiting in
            // The references read as raw words: read as values they were retained, a
            // write to each box's header.
            let words = UnsafeRawPointer(waiting.baseAddress!), word = MemoryLayout<Decision.TraceBox>.stride
            let count = waiting.count
            if count >= 1 { TraceRecycler.prefetchArrays(ofBox: words.load(fromByteOffset: (count - 1) * word, as: UnsafeRawPointer.self)) }
            if count >= 2 { TraceRecycler.prefetchBox(words.load(fromByteOffset: (count - 2) * word, as: UnsafeRawPointer.self)) }
        }
        return box
    }

    /// Asks for a box's memory (its header and the trace's fields), to be written.
    static func prefetchBox(_ box: UnsafeRawPointer) {
        for line in stride(from: 0, to: Decision.Layout.boxHeader + MemoryLayout<DecisionTrace>.size, by: 64) {
            tally_prefetch_for_writing(box + line)
        }
    }

    /// Asks for the start of the arrays of touches and rules a box holds, to be written
    /// (the box itself at hand).
    static func prefetchArrays(ofBox box: UnsafeRawPointer) {
        prefetchStorage(box.load(fromByteOffset: Decision.Layout.boxHeader + Decision.Layout.touches, as: UnsafeRawPointer.self))
        prefetchStorage(box.load(fromByteOffset: Decision.Layout.boxHeader + Decision.Layout.rules, as: UnsafeRawPointer.self))
    }

    /// An array's header and its first elements.
    private static func prefetchStorage(_ storage: UnsafeRawPointer) {
        for line in stride(from: 0, to: 256, by: 64) { tally_prefetch_for_writing(storage + line) }
    }

    /// Puts back a box taken and not filled after all (an order without touches).
    func putBack(_ box: Decision.TraceBox) {
        reused -= 1
        boxes.append(box)
    }

    /// How many boxes wait to be filled.
    public var waiting: Int { boxes.count }
}

/// Trace boxes emptied by the renderer, on their way back to the runner (see `TraceRecycler`).
public struct EmptiedTraces: @unchecked Sendable {
    var boxes: [Decision.TraceBox] = []

    public init() {}

    /// How many boxes are on their way.
    public var count: Int { boxes.count }
}

extension Decision {
    /// Hands `render` the decision and its whole trace, moved out of its box for the call
    /// (nothing copied, no stand-in left in the box), then empties the trace, puts it back
    /// and adds the box to `emptied`; the decision keeps an empty trace. False, with
    /// nothing called, when the trace is slim or another decision holds its box (then
    /// use `takeTrace`). (Taken out with `takeTrace`, a trace left an empty one in its
    /// place, made and let go of for every decision: a sixth of moving traces out.)
    public mutating func renderThenRecycle(into emptied: inout EmptiedTraces, _ render: (_ decision: Decision, _ trace: DecisionTrace) -> Void) -> Bool {
        guard case .whole(var box) = storedTrace else { return false }
        storedTrace = .slim(channel: "", fraud: [])
        guard isKnownUniquelyReferenced(&box) else {
            storedTrace = .whole(box)
            return false
        }
        // The box is this function's alone: nothing can read its value while it is out.
        withUnsafeMutablePointer(to: &box.value) { slot in
            var trace = slot.move()
            render(self, trace)
            trace.empty()
            slot.initialize(to: trace)
        }
        emptied.boxes.append(box)
        return true
    }

    /// A pending decision whose trace is filled into `box` (an emptied one, or new): its
    /// arrays of rules and adjustments keep the room they had, and `touches` replaces its
    /// touches (the runner gathers an order's touches into the room of its first box's).
    init(order: String, referrer: String, referrerIndex: Int32, orderAt: Timestamp, orderDate: CivilDate, filling box: consuming TraceBox,
         facts: OrderFacts, touches: [TouchTrace], evidence: String, model: String, weightFacts: WeightFacts, credit: CreditTrace,
         fraud: [FraudTrace]) {
        box.value.fill(order: facts, touches: touches, evidence: evidence, model: model, weightFacts: weightFacts, credit: credit, fraud: fraud)
        self.init(order: order, referrer: referrer, referrerIndex: referrerIndex, orderAt: orderAt, orderDate: orderDate, status: .pending,
                  ruleTotal: 0, amount: 0, payableOn: nil, reason: nil, lines: [], storedTrace: .whole(box))
    }
}

extension DecisionTrace {
    /// A trace with nothing in it, to be filled (see `fill`).
    static var unfilled: DecisionTrace { .slim(channel: "", fraud: []) }

    /// Empties the arrays a decision fills again, keeping their room, and the review
    /// resolution. The other members stay until `fill` replaces them, on the runner's
    /// core, which made them: let go of here, each was a release on the renderer's core
    /// (most of emptying a trace), of references the runner's core retained.
    mutating func empty() {
        // Touches in one go: taken off the end one by one, each was checked for sharing.
        if !touches.isEmpty { touches.removeAll(keepingCapacity: true) }
        if !adjustments.isEmpty { adjustments.removeAll(keepingCapacity: true) }
        resolution = nil
    }

    /// Fills an emptied trace (or a new one) with a decision's facts before its rules.
    mutating func fill(order: OrderFacts, touches: [TouchTrace], evidence: String, model: String, weightFacts: WeightFacts,
                       credit: CreditTrace, fraud: [FraudTrace]) {
        if !rules.isEmpty { rules.removeAll(keepingCapacity: true) }
        self.order = order
        self.touches = touches
        self.evidence = evidence
        self.model = model
        self.weightFacts = weightFacts
        self.credit = credit
        self.fraud = fraud
    }
}
