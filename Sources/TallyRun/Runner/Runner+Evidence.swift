import TallyLedgers
import TallyPlan
import TallyPrefetch
import TallyValues

/// What order checks decided for one decision.
enum OrderVerdict {
    case clear
    case hold(String)
    case reject(String)
}

extension Runner {
    /// Every touch considered for the order, with a trace entry each: coupons on the
    /// order, clicks of the customer in the lookback (screened by touch checks), and
    /// survey answers naming the order.
    /// `clickCustomer`: the slot of the order's customer (see `CustomerSlots`; nil when no
    /// click has its key).
    /// The touches go into `touches` (emptied first), the trace entries into `traces`
    /// (empty, the room of an emptied trace's: see `TraceRecycler`).
    mutating func gatherTouches(_ order: UnsafePointer<Order>, _ view: OrderView, _ customer: CustomerFacts, clickCustomer: Int?,
                                into touches: inout [Touch], traces: inout [TouchTrace]) {
        touches.removeAll(keepingCapacity: true)
        // `decisive` skips the touches that lose before attribution (the run trims the
        // rest once credit is known); `none` keeps no trace at all.
        let traced = traceDetail != .none, full = traceDetail == .full
        func referrerID(_ index: Int32) -> String { referrerIDs[Int(index)] }
        /// A click's id, as its number when it is one (see `TouchID`).
        func clickID(_ index: Int) -> TouchID { ledgers.clicks.idNumber(index).map(TouchID.number) ?? .text(ledgers.clicks.id(index)) }

        // Coupons: codes on the order, mapped by assignments valid at the order's instant.
        for (position, code) in order.pointee.promoCodes.enumerated() {
            guard let assignments = assignmentsByCode[code.uppercased()] else { continue }
            let valid = assignments.filter { ($0.validFrom.map { $0 <= order.pointee.at } ?? true) && ($0.validUntil.map { order.pointee.at < $0 } ?? true) }
            if valid.isEmpty {
                for assignment in assignments where full {
                    traces.append(TouchTrace(evidence: "coupon", id: code, referrer: referrerID(assignment.referrer), at: order.pointee.at, code: code,
                                             excluded: "the code's assignment is not valid at the order's time (\(AssignmentText.window(assignment)))"))
                }
                continue
            }
            for assignment in valid {
                touches.append(Touch(evidence: .coupon, at: order.pointee.at, referrer: assignment.referrer, click: nil, code: code, id: .text(code),
                                     sequence: Int.max / 2 + position))
                if traced { traces.append(TouchTrace(evidence: "coupon", id: code, referrer: referrerID(assignment.referrer), at: order.pointee.at, code: code, excluded: nil)) }
            }
        }

        // Clicks: the customer's clicks up to the order, inclusive lookback.
        let lookback = plan.attribution.lookbackSeconds
        if let number = clickCustomer, let customerClicks {
            // Twice the lookback, so a trace can name the clicks that just missed it.
            let orderAt = order.pointee.at.secondsSinceEpoch
            let window = customerClicks.clicks(of: number, from: orderAt - 2 * lookback, through: orderAt)
            // Room for every click at once (growing both arrays by appending was 6% of
            // evaluating an order on the reference kit's medium data).
            touches.reserveCapacity(touches.count + window.count)
            if traced { traces.reserveCapacity(traces.count + window.count) }
            let entries = customerClicks.entries
            // Each click's referrer id and screening counts asked for at once, before the
            // loops below read them one click at a time: tables by referrer (twenty
            // thousand on the reference kit's large data) read at random, each read was a
            // wait for memory in turn (a third of gathering's samples).
            for position in window {
                let referrer = entries[position].referrer
                referrerIDs.withUnsafeBufferPointer { tally_prefetch($0.baseAddress! + Int(referrer)) }
                screened.prefetch(referrer: referrer)
            }
            // Oldest first: the clicks beyond the lookback come before those inside it.
            let inside = window.first { orderAt - customerClicks.at($0) <= lookback } ?? window.upperBound
            for position in (window.lowerBound..<inside).suffix(full ? 3 : 0) {
                let index = Int(entries[position].click), at = customerClicks.at(position)
                var trace = TouchTrace(evidence: "click", touchID: clickID(index), referrer: referrerID(entries[position].referrer),
                                       at: Timestamp(secondsSinceEpoch: at), code: "", excluded: nil)
                trace.exclusion = .beyondLookback(age: orderAt - at, lookback: lookback)
                traces.append(trace)
            }
            for position in inside..<window.upperBound {
                let entry = entries[position]
                // The click's fields one by one: building the whole record for every touch
                // was a third of the per-order time on the reference kit's medium data.
                let index = Int(entry.click), at = Timestamp(secondsSinceEpoch: customerClicks.at(position)), referrer = entry.referrer
                let id = clickID(index)
                var touch = Touch(evidence: .click, at: at, referrer: referrer, click: index, code: "", id: id, sequence: index)
                let screening = plan.touchChecks.isEmpty ? (rejection: nil, holds: [])
                    : screenTouch(touch, click: ledgers.clicks[index], order: view, customer: customer)
                touch.holds = screening.holds
                screened.count(referrer: referrer, channel: entry.channel < 0 ? nil : entry.channel,
                               flagged: screening.rejection != nil || !screening.holds.isEmpty)
                if let rejection = screening.rejection {
                    if traced {
                        var trace = TouchTrace(evidence: "click", touchID: id, referrer: referrerID(referrer), at: at, code: "", excluded: rejection.text)
                        trace.byCheck = true
                        traces.append(trace)
                    }
                    result.touchesRejected["touch: " + rejection.reason, default: 0] += 1
                    continue
                }
                touches.append(touch)
                if traced { traces.append(TouchTrace(evidence: "click", touchID: id, referrer: referrerID(referrer), at: at, code: "", excluded: nil)) }
            }
        }

        // Survey answers: they name their order and stand at its instant.
        for (position, answer) in (surveysByOrder.isEmpty ? [] : surveysByOrder[order.pointee.id] ?? []).enumerated() {
            guard let referrer = answer.referrer else { continue }
            touches.append(Touch(evidence: .survey, at: order.pointee.at, referrer: referrer, click: nil, code: "", id: .text("survey:\(position + 1)"),
                                 sequence: Int.max / 2 + 1000 + position))
            if traced {
                traces.append(TouchTrace(evidence: "survey", id: "survey:\(position + 1)", referrer: referrerID(referrer), at: order.pointee.at,
                                         code: answer.answer, excluded: nil))
            }
        }
    }

    /// Keeps in `touches` only those of the strongest evidence class present, in time
    /// order; marks the others in the trace.
    /// (`mutating` though it changes nothing: called from `process`, a non-mutating
    /// method received a copy of the whole runner, a kilobyte, on every call.)
    mutating func prioritise(_ touches: inout [Touch], _ traces: inout [TouchTrace]) {
        let order = plan.attribution.evidence
        // Touches are read by index, field by field: iterating them (`contains`,
        // `allSatisfy`, `zip`) copied each one, retaining its strings (5% of evaluating
        // an order on the reference kit's medium data).
        var present: UInt8 = 0
        for index in touches.indices { present |= touches[index].evidence.bit }
        guard let rank = evidenceRanking.firstIndex(where: { $0.map { present & $0.bit != 0 } ?? false }),
              let strongestEvidence = evidenceRanking[rank] else {
            for index in traces.indices where traces[index].isKept {
                traces[index].excluded = "`\(traces[index].evidence)` is not listed under `evidence`"
            }
            touches.removeAll(keepingCapacity: true)
            return
        }
        let strongest = order[rank]
        for index in traces.indices where traces[index].isKept && traces[index].evidence != strongest {
            // The words made once per program (a new string for each touch: 35,000 of the
            // runner's 947,000 allocations on the reference kit's medium data).
            traces[index].excluded = order.contains(traces[index].evidence)
                ? weakerEvidenceTexts[rank]
                : "`\(traces[index].evidence)` is not listed under `evidence`"
        }
        // Usually one class, gathered in time order already: then no copy and no sort.
        if present.nonzeroBitCount > 1 { touches.removeAll { $0.evidence != strongestEvidence } }
        for index in touches.indices.dropFirst()
        where (touches[index].at, touches[index].sequence) < (touches[index - 1].at, touches[index - 1].sequence) {
            touches.sort { ($0.at, $0.sequence) < ($1.at, $1.sequence) }
            break
        }
    }

    /// Touch checks on one click for this order: the first `reject touch` that fires (in
    /// words), and the `hold touch` checks that fire.
    func screenTouch(_ touch: Touch, click: Click, order: OrderView, customer: CustomerFacts)
        -> (rejection: (reason: String, text: String)?, holds: [FraudTrace]) {
        guard !plan.touchChecks.isEmpty else { return (nil, []) }
        let scope = Scope(order: order, customer: customer, referrer: click.referrer, touch: touch, click: click,
                          credit: nil, line: nil, now: click.at, aggregates: aggregates)
        var holds: [FraudTrace] = []
        for check in plan.touchChecks where interpreter.evaluate(check.condition, scope).isTrueValue {
            let saw = TraceValues.saw(check.condition, scope, interpreter: interpreter)
            if check.action == .reject {
                return ((check.reason, "rejected by fraud check \"\(check.reason)\" (\(check.location)): \(check.text); saw "
                    + saw.map { "\($0.0) = \($0.1)" }.joined(separator: ", ")), [])
            }
            holds.append(FraudTrace(subject: "touch \(click.id)", action: "hold", reason: check.reason, condition: check.text, saw: saw,
                                    location: check.location))
        }
        return (nil, holds)
    }

    /// Runs the order checks for one referrer's decision; `touchHolds` are the hold checks
    /// that fired on the referrer's kept touches.
    /// (`mutating` though it changes nothing: called from `process`, a non-mutating
    /// method received a copy of the whole runner, a kilobyte, on every call.)
    mutating func screenOrder(_ scope: inout Scope, touchHolds: [FraudTrace]) -> ([FraudTrace], OrderVerdict) {
        var fired: [FraudTrace] = touchHolds
        var verdict = touchHolds.first.map { OrderVerdict.hold($0.reason) } ?? .clear
        for check in plan.orderChecks {
            var checkScope = scope
            if !check.readsReferrer { checkScope.referrer = nil }
            guard interpreter.evaluate(check.condition, checkScope).isTrueValue else { continue }
            fired.append(FraudTrace(subject: "order", action: check.action.rawValue, reason: check.reason, condition: check.text,
                                    saw: TraceValues.saw(check.condition, checkScope, interpreter: interpreter), location: check.location))
            switch (check.action, verdict) {
            case (.reject, .reject): break
            case (.reject, _): verdict = .reject(check.reason)
            case (.hold, .clear): verdict = .hold(check.reason)
            default: break
            }
        }
        return (fired, verdict)
    }
}

enum AssignmentText {
    static func window(_ assignment: PromoAssignment) -> String {
        "valid " + (assignment.validFrom.map { "from \(Value.timestampText($0))" } ?? "") +
            (assignment.validUntil.map { " until \(Value.timestampText($0))" } ?? "")
    }
}

/// The values a condition read, for traces: each field and aggregate it reads, with
/// what it held.
enum TraceValues {
    static func saw(_ code: Code, _ scope: Scope, interpreter: Interpreter) -> [(String, String)] {
        facts(code, scope, interpreter: interpreter).pairs
    }

    /// The same as facts, without an array for a single value (see `SawFacts`).
    static func facts(_ code: Code, _ scope: Scope, interpreter: Interpreter) -> SawFacts {
        var out = SawFacts.none
        func visit(_ code: Code) {
            switch code {
            case .field(let slot):
                let name = PlanPrinter.slotName(slot, interpreter.plan)
                if !out.contains(name) { out.append(name, interpreter.evaluate(code, scope).description) }
            case .isNewWithin(let window):
                let name = "customer.is_new(within: \(Value.duration(window)))"
                if !out.contains(name) { out.append(name, interpreter.evaluate(code, scope).description) }
            case .aggregate(let index, let key):
                let name = interpreter.plan.aggregates[index].text
                if !out.contains(name) { out.append(name, interpreter.evaluate(code, scope).description) }
                visit(key)
            case .lookup(let index, let keys):
                keys.forEach(visit)
                let name = interpreter.plan.tables[index].name + "[…]"
                out.append(name, interpreter.evaluate(code, scope).description)
            case .constant: break
            case .not(let inner), .negate(let inner), .labelled(let inner, _): visit(inner)
            case .and(let items), .or(let items), .list(let items), .call(_, let items): items.forEach(visit)
            case .compare(_, let a, let b), .arithmetic(_, let a, let b), .member(let a, let b, _):
                visit(a)
                visit(b)
            }
        }
        visit(code)
        return out
    }
}
