import TallyLedgers
import TallyPlan
import TallyValues

/// Windowed aggregates over clicks, orders and credits, kept as the runner streams.
/// Each aggregate keeps, per key value, the events inside its window in time order;
/// older events are dropped as time moves on, so memory follows the window, not the
/// ledger, and each lookup is a count over a pruned queue (amortised constant per event).
final class AggregateIndexes {
    struct Event {
        var at: Int64
        var value: Int64
        var label: String
    }

    /// Per aggregate: key -> events in the window, oldest first.
    private var events: [[String: [Event]]]
    /// Per aggregate: index into the queue's live part.
    private var starts: [[String: Int]]
    let specs: [AggregateSpec]

    init(specs: [AggregateSpec]) {
        self.specs = specs
        events = Array(repeating: [:], count: specs.count)
        starts = Array(repeating: [:], count: specs.count)
    }

    var hasClickAggregates: Bool { specs.contains { $0.events == .clicks } }

    /// Drops clicks no future question can reach: older than `instant` minus the window.
    func pruneClicks(before instant: Int64) {
        for (index, spec) in specs.enumerated() where spec.events == .clicks {
            let low = instant - spec.windowSeconds
            for (key, queue) in events[index] {
                var start = starts[index][key] ?? 0
                while start < queue.count, queue[start].at < low { start += 1 }
                if start == queue.count {
                    events[index][key] = nil
                    starts[index][key] = nil
                } else if start > 1024, start * 2 > queue.count {
                    events[index][key] = Array(queue[start...])
                    starts[index][key] = 0
                } else {
                    starts[index][key] = start
                }
            }
        }
    }

    /// Records an event of `kind` with its key values (by event field name).
    func record(_ kind: AggregateSpec.Events, at: Timestamp, keys: (String) -> String?, value: Int64, label: (String) -> String) {
        for (index, spec) in specs.enumerated() where spec.events == kind {
            guard let key = keys(spec.key), !key.isEmpty else { continue }
            events[index][key, default: []].append(Event(at: at.secondsSinceEpoch, value: value, label: spec.field.map(label) ?? ""))
        }
    }

    /// The aggregate's value for `key` in the trailing window `[now - W, now]`.
    func value(of spec: AggregateSpec, index: Int, key: Value, at now: Timestamp) -> Value {
        let keyText: String
        switch key {
        case .string(let text): keyText = text
        case .missing: return spec.function == .sum ? .money(0) : .number(ExactDecimal(significand: 0, scale: 0))
        default: keyText = key.description
        }
        let queue = events[index][keyText] ?? []
        let low = now.secondsSinceEpoch - spec.windowSeconds
        var start = starts[index][keyText] ?? 0
        if spec.events == .clicks {
            // Touches are judged at their own instant, which can be earlier than the last
            // question: search the window's start instead of consuming the queue.
            var high = queue.count
            while start < high {
                let mid = (start + high) / 2
                if queue[mid].at < low { start = mid + 1 } else { high = mid }
            }
        } else {
            // Order and credit questions come in time order: consume what fell out.
            while start < queue.count, queue[start].at < low { start += 1 }
            starts[index][keyText] = start
        }
        var count: Int64 = 0
        var sum: Int64 = 0
        var distinct = Set<String>()
        for event in queue[start...] where event.at <= now.secondsSinceEpoch {
            count += 1
            sum += event.value
            distinct.insert(event.label)
        }
        switch spec.function {
        case .count: return .number(ExactDecimal(significand: count, scale: 0))
        case .sum: return .money(sum)
        case .distinct: return .number(ExactDecimal(significand: Int64(distinct.count), scale: 0))
        }
    }
}
