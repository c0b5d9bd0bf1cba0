import TallyCheck
import TallyLedgers
import TallyPlan
import TallyValues

extension Runner {
    /// Converts an order's money into the program currency (rate of the order's local date).
    /// (`mutating` though it changes nothing: called from `process`, a non-mutating
    /// method received a copy of the whole runner, a kilobyte, on every call.)
    mutating func view(of order: UnsafePointer<Order>, position: Int) -> OrderView {
        let localDate = plan.clock.localDate(of: order.pointee.at)
        var rate: ExactDecimal?
        if order.pointee.currency != plan.currency { rate = ledgers.fxRate(order.pointee.currency.code, on: localDate)?.rate }
        let scale = order.pointee.currency.minorUnits - plan.currency.minorUnits
        let converts = rate != nil || scale != 0
        func convert(_ minor: Int64) -> Int64 {
            guard converts else { return minor }
            var value = Fraction(minor)
            if let rate { value = value * rate.fraction }
            // Minor units differ between currencies (JPY 0, USD 2, KWD 3).
            if scale > 0 { for _ in 0..<scale { value = value * Fraction(1, 10) } }
            if scale < 0 { for _ in 0..<(-scale) { value = value * Fraction(10) } }
            return value.roundedHalfEven
        }
        // In the program's currency every amount is the order's own: no converted lines.
        let lines = !converts ? nil
            : order.pointee.lines.map { LineView(line: $0, price: convert($0.price), amount: convert($0.amount), discount: convert($0.discount)) }
        let gross = lines?.reduce(0) { $0 + $1.amount } ?? order.pointee.gross
        let discount = lines?.reduce(convert(order.pointee.orderDiscount)) { $0 + $1.discount } ?? order.pointee.discount
        return OrderView(position: position, at: order.pointee.at, convertedLines: lines, gross: gross, discount: discount, net: gross - discount,
                         shipping: convert(order.pointee.shipping), tax: convert(order.pointee.tax), giftWrap: convert(order.pointee.giftWrap),
                         localDate: localDate, coupon: "", rate: rate)
    }

    /// An order's net in its own currency, from its fields where it lies: `net` (a
    /// property) read through the pointer copied the whole order first.
    static func net(of order: UnsafePointer<Order>) -> Int64 {
        Order.net(lines: order.pointee.lines, orderDiscount: order.pointee.orderDiscount)
    }

    /// Decides one order, the one at `position` in `ledgers.orders`. `clickCustomer`: its
    /// customer's slot (see `CustomerSlots`; nil when no click has its key). The order is
    /// read where it lies: passed as a value, every order was copied on the way in, its
    /// strings and arrays retained and let go of (1% of a run's samples on the reference
    /// kit's large data, all on the runner's core; the run stage 4.39 to 4.27 s, four runs
    /// alternating).
    mutating func process(_ order: UnsafePointer<Order>, position: Int, clickCustomer: Int?) {
        result.ordersProcessed += 1
        if order.pointee.isCancelled {
            result.cancelled.append(order.pointee.id)
            return
        }
        // Customers who clicked are kept by the clicks table's number for their key (an
        // array slot), the others by key.
        var orderView = view(of: order, position: position)
        let state = clickCustomer.map { clickingCustomers[$0] } ?? customers[order.pointee.customer] ?? CustomerState()
        let customer = CustomerFacts(id: order.pointee.customer, email: order.pointee.email, isNew: state.count == 0, orderCount: Int(state.count),
                                     firstOrderAt: state.firstAt ?? order.pointee.at, previousOrderAt: state.lastAt)
        defer {
            var updated = state
            updated.add(order.pointee.at)
            if let clickCustomer { clickingCustomers[clickCustomer] = updated } else { customers[order.pointee.customer] = updated }
        }

        // The arrays below live from order to order (see `OrderScratch`): taken out of
        // the runner while in use, emptied and put back when the order is decided.
        var scratch = orderScratch
        orderScratch = OrderScratch()
        defer {
            scratch.empty()
            orderScratch = scratch
        }

        // The first decision's trace box, when one emptied by the renderer waits (see
        // `TraceRecycler`): the order's touches are gathered into the room of its array
        // of touches. (Held as an optional and taken out when filled: a second reference
        // held while the decision fills it would make the decision copy it first.)
        var firstBox = recycler?.take()
        var traces: [TouchTrace] = []
        if let box = firstBox { swap(&traces, &box.value.touches) }

        // Evidence, screening, priority: `kept` holds the touches that compete for credit.
        gatherTouches(order, orderView, customer, clickCustomer: clickCustomer, into: &scratch.kept, traces: &traces)
        prioritise(&scratch.kept, &traces)
        if let coupon = scratch.kept.indices.first(where: { scratch.kept[$0].evidence == .coupon }) { orderView.coupon = scratch.kept[coupon].code }
        recordOrderAggregates(order, orderView)
        guard !scratch.kept.isEmpty else {
            result.unattributed.append(order.pointee.id)
            if let recycler, let box = firstBox.take() {
                traces.removeAll(keepingCapacity: true)
                swap(&traces, &box.value.touches)
                recycler.putBack(box)
            }
            return
        }

        // Attribution: weights per touch, summed per referrer in order of first touch.
        AttributionModel.weights(plan.attribution.model, touches: scratch.kept, at: order.pointee.at.secondsSinceEpoch, into: &scratch.weights)
        // Summed by a search of the few referrers so far (a dictionary per order was a
        // twentieth of evaluating one).
        for index in scratch.kept.indices {
            let referrer = scratch.kept[index].referrer, weight = scratch.weights[index]
            if let position = scratch.referrers.firstIndex(of: referrer) {
                scratch.referrerWeights[position] = scratch.referrerWeights[position] + weight
            } else {
                scratch.referrers.append(referrer)
                scratch.referrerWeights.append(weight)
            }
        }
        if scratch.referrerWeights.contains(where: { !($0 > .zero) }) {
            // Referrers without weight (last touch: all but the last) taken out in place:
            // new arrays lost the scratch's room (28,000 allocations on the reference
            // kit's medium data, and another for the list of those with weight).
            var kept = 0
            for index in scratch.referrers.indices where scratch.referrerWeights[index] > .zero {
                scratch.referrers[kept] = scratch.referrers[index]
                scratch.referrerWeights[kept] = scratch.referrerWeights[index]
                kept += 1
            }
            while scratch.referrers.count > kept {
                scratch.referrers.removeLast()
                scratch.referrerWeights.removeLast()
            }
        }
        for referrer in scratch.referrers { prefetchReferrer(referrer, orderView: orderView) }
        let totalWeight = scratch.referrerWeights.reduce(Weight.zero, +)
        // One referrer takes each amount whole: no split (six arrays per order).
        let whole = scratch.referrers.count == 1
        let priority = whole ? [] : Array(scratch.referrers.indices)
        let splitWeights = whole ? [] : scratch.referrerWeights
        func split(_ amount: Int64) -> [Int64] { whole ? [] : LargestRemainder.split(amount, weights: splitWeights, priority: priority) }
        let nets = split(orderView.net), grosses = split(orderView.gross), discounts = split(orderView.discount)
        let shippings = split(orderView.shipping), taxes = split(orderView.tax), wraps = split(orderView.giftWrap)
        func part(_ parts: [Int64], _ amount: Int64, _ position: Int) -> Int64 { whole ? amount : parts[position] }
        let evidence = scratch.kept[0].evidence.rawValue
        let modelText = AttributionText.model(plan.attribution.model)
        let traced = traceDetail != .none
        // Made as the trace's labelled pairs (unlabelled ones were copied into a second
        // array to relabel them). A referrer's whole credit, the usual case, is its id
        // alone (see `WeightFacts.whole`): an array for every order was a twelfth of the
        // runner's allocations on the reference kit's medium data.
        let weightTrace: WeightFacts
        if !traced {
            weightTrace = .listed([])
        } else if whole, scratch.referrerWeights[0] == .one {
            weightTrace = .whole(referrer: referrerIDs[Int(scratch.referrers[0])])
        } else {
            weightTrace = .listed(zip(scratch.referrers, scratch.referrerWeights).map { pair -> (referrer: String, weight: String) in
                (referrer: referrerIDs[Int(pair.0)], weight: pair.1.text)
            })
        }
        if traceDetail == .decisive {
            // Only the touches that earned credit, and those a touch check rejected. Told
            // by evidence and id (`TouchID`, no text made of a click's number): an order
            // has a few touches, so a search of them.
            let credited = scratch.kept.indices.filter { scratch.weights[$0] > .zero }
            traces.removeAll { trace in
                !trace.byCheck && !(trace.isKept && credited.contains { scratch.kept[$0].evidence.rawValue == trace.evidence && scratch.kept[$0].id == trace.touchID })
            }
        }

        let facts = OrderFacts(id: order.pointee.id, at: order.pointee.at, localDate: orderView.localDate, channel: order.pointee.channel,
                               customer: order.pointee.customer, isNewCustomer: customer.isNew, currency: order.pointee.currency.code,
                               net: Runner.net(of: order), netMinorUnits: order.pointee.currency.minorUnits, rate: orderView.rate,
                               convertedNet: orderView.net)

        // Credits, then order checks (which may count credits), then rules.
        for (position, referrer) in scratch.referrers.enumerated() {
            let credit = CreditView(weight: scratch.referrerWeights[position], totalWeight: totalWeight, evidence: evidence,
                                    net: part(nets, orderView.net, position), gross: part(grosses, orderView.gross, position),
                                    discount: part(discounts, orderView.discount, position),
                                    shipping: part(shippings, orderView.shipping, position), tax: part(taxes, orderView.tax, position),
                                    giftWrap: part(wraps, orderView.giftWrap, position))
            scratch.credits.append(credit)
            let referrerID = referrerIDs[Int(referrer)]
            aggregates.record(.credits, at: order.pointee.at, keys: { $0 == "referrer" ? referrerID : ($0 == "customer" ? order.pointee.customer : nil) },
                              value: credit.net, label: { $0 == "referrer" ? referrerID : order.pointee.customer })
        }

        for (position, referrerIndex) in scratch.referrers.enumerated() {
            let referrerID = referrerIDs[Int(referrerIndex)]
            let credit = scratch.credits[position]
            var scope = Scope(order: orderView, customer: customer, referrer: referrerIndex, touch: nil, click: nil, credit: credit,
                              line: nil, now: order.pointee.at, aggregates: aggregates)
            let shareText = AttributionText.share(credit.share)
            let creditTrace = CreditTrace(
                weight: credit.weight.text, share: shareText, net: credit.net, gross: credit.gross, shipping: credit.shipping,
                arithmetic: !traced ? .words("")
                    : scratch.referrers.count == 1 ? .wholeOrder(net: orderView.net, digits: plan.currency.minorUnits)
                    : .words("net \(money(orderView.net)) split by weight \(credit.weight.decimal) of \(totalWeight.decimal) (largest remainder) = \(money(credit.net))"))
            // (Most programs have no touch checks: no arrays to gather nothing from.)
            let touchHolds = !scratch.kept.indices.contains(where: { !scratch.kept[$0].holds.isEmpty }) ? []
                : scratch.kept.filter { $0.referrer == referrerIndex }.flatMap(\.holds)
            let (fraud, verdict) = screenOrder(&scope, touchHolds: touchHolds)
            let box = firstBox.take() ?? recycler?.take() ?? Decision.TraceBox(.unfilled)
            var decision = Decision(
                order: order.pointee.id, referrer: referrerID, referrerIndex: referrerIndex, orderAt: order.pointee.at,
                orderDate: orderView.localDate, filling: consume box, facts: facts, touches: traces, evidence: evidence, model: modelText,
                weightFacts: weightTrace, credit: creditTrace, fraud: fraud)
            if case .reject(let reason) = verdict {
                decision.status = .rejected
                decision.reason = reason
                scratch.pending.append(decision)
                continue
            }
            // The id's parts taken out first: a closure reading `order` copied the whole
            // order for every decision.
            let orderID = order.pointee.id
            // The rules' traces go straight into the box's array (emptied, its room kept).
            let lines = evaluateRules(&scope, decision: { Decision.id(order: orderID, referrer: referrerID) }, traces: &decision.trace.rules)
            decision.lines = lines
            decision.ruleTotal = lines.reduce(0) { $0 + $1.amount }
            decision.amount = decision.ruleTotal
            if lines.isEmpty { decision.status = .noRule }
            if case .hold(let reason) = verdict {
                decision.status = .held
                decision.reason = reason
            }
            scratch.pending.append(decision)
        }
        applyLimits(&scratch.pending, orderView: orderView)
        for index in scratch.pending.indices {
            resolve(&scratch.pending[index])
            settle(&scratch.pending[index])
        }
        let first = result.decisions.count
        // In place, then moved: copying a decision retains every string it holds (on the
        // reference kit's large data, appending copies were a sixth of evaluating).
        for index in scratch.pending.indices {
            correct(&scratch.pending[index])
            if let sink {
                // Without traces kept, the whole decision is moved to the sink and a slim
                // one stays: a copy for the sink retained the trace's box and every field,
                // and the sink's own copy into its batch did again.
                if keepTraces { sink(scratch.pending[index]) } else { sink(scratch.pending[index].takeWholeLeavingSlim()) }
            } else if !keepTraces {
                scratch.pending[index].slimmed()
            }
        }
        let count = scratch.pending.count
        // `removeLast` moves a decision out and `append` takes it over: no copy. They
        // come out last first, so the order's decisions are put back in order.
        while let decision = scratch.pending.popLast() { result.decisions.append(decision) }
        if count > 1 { result.decisions[first...].reverse() }
        if refunded[position] {
            decided[order.pointee.id] = DecidedOrder(first: Int32(first), count: Int32(count), net: Runner.net(of: order), currency: order.pointee.currency)
        }
    }

    /// A held decision with a resolution: released (it then follows the return-window
    /// hold) or rejected on review (0.00; the cap room it took stays used).
    func resolve(_ decision: inout Decision) {
        guard decision.status == .held, let resolutions = ledgers.resolutions[decision.order] else { return }
        guard let resolution = resolutions.first(where: { $0.referrer == decision.referrer }) ?? resolutions.first(where: { $0.referrer == nil }),
              resolution.at.map({ $0 <= asOf }) ?? true else { return }
        let words = "\(resolution.action == .release ? "released" : "rejected") on review by \(resolution.who)"
            + (resolution.note.isEmpty ? "" : ": \(resolution.note)") + " (\(ledgers.files[resolution.source.file]):\(resolution.source.line))"
        decision.trace.resolution = words
        switch resolution.action {
        case .release:
            decision.status = decision.lines.isEmpty ? .noRule : .pending
            decision.reason = nil
        case .reject:
            decision.status = .rejected
            decision.amount = 0
            decision.reason = (decision.reason ?? "review") + ": " + words
        }
    }

    /// Final status and payable-on date from the hold and the as-of instant.
    func settle(_ decision: inout Decision) {
        switch decision.status {
        case .rejected, .held:
            decision.payableOn = nil
        case .capped, .noRule:
            decision.payableOn = nil
        case .pending, .payable:
            let date = decision.orderDate.adding(days: plan.holdDays ?? 0)
            decision.payableOn = date
            decision.status = plan.clock.startOfDay(date) <= asOf ? .payable : .pending
        }
    }

    func money(_ minor: Int64) -> String { Value.moneyText(minor, digits: plan.currency.minorUnits) }

    mutating func recordOrderAggregates(_ order: UnsafePointer<Order>, _ view: OrderView) {
        guard plan.aggregates.contains(where: { $0.events == .orders }) else { return }
        aggregates.record(.orders, at: order.pointee.at, keys: { key in
            switch key {
            case "customer": return order.pointee.customer
            case "coupon": return view.coupon
            case "channel": return order.pointee.channel
            case "email": return order.pointee.email.lowercased()
            default: return nil
            }
        }, value: view.net, label: { field in
            switch field {
            case "customer": return order.pointee.customer
            case "email": return order.pointee.email.lowercased()
            case "coupon": return view.coupon
            case "channel": return order.pointee.channel
            default: return ""
            }
        })
    }
}

/// Words for traces.
enum AttributionText {
    static func model(_ model: AttributionSettings.Model) -> String { PlanPrinter.modelText(model) }

    /// A share as a percent with up to 4 decimals.
    static func share(_ share: Fraction) -> String {
        // The whole order (nearly every credit) without arithmetic.
        if share.numerator == share.denominator { return "100%" }
        let points = Fraction(share.numerator * 1_000_000, share.denominator).roundedHalfEven
        return ExactDecimal(significand: points, scale: 4).normalized.description + "%"
    }
}
