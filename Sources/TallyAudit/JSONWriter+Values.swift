import TallyPlan
import TallyRun
import TallySource
import TallyValues

/// Amounts, dates and instants written into a record in place, with the text their
/// `description` gives (README, "Canonical JSON"): a record holds a dozen of them, and
/// making a `String` of each was a sixth of rendering it.
extension JSONWriter {
    /// Instants whose year has four digits (0000-01-01 to 9999-12-31): the others are
    /// written as `Value.timestampText` words them.
    static let fourDigitYears: ClosedRange<Int64> = -62_167_219_200...253_402_300_799

    mutating func timestamp(_ name: StaticString?, _ instant: Timestamp) {
        guard JSONWriter.fourDigitYears.contains(instant.secondsSinceEpoch) else {
            string(name, Value.timestampText(instant))
            return
        }
        ascii(name, length: 20) { Value.timestampBytes(instant, into: $0) }
    }

    mutating func date(_ name: StaticString?, _ date: CivilDate) {
        guard (0...9999).contains(date.year) else {
            string(name, date.description)
            return
        }
        ascii(name, length: 10) { date.write(into: $0) }
    }

    /// An amount in minor units with `digits` decimals, as `Value.moneyText` writes it.
    mutating func money(_ name: StaticString?, _ minor: Int64, digits: Int) {
        let amount = ExactDecimal(significand: minor, scale: digits)
        ascii(name, length: Self.decimalCapacity(amount)) { Self.write(amount, into: $0, at: 0) }
    }

    /// A touch's id as text: a click's number written as its digits in place, with no
    /// `String` made of it (see `TouchID`).
    mutating func touchID(_ name: StaticString?, _ id: TouchID) {
        switch id {
        case .number(let number): money(name, number, digits: 0)
        case .text(let text): string(name, text)
        }
    }

    /// `older than the lookback: AGE before the order, lookback LOOKBACK`, the words of
    /// `TouchTrace.excluded` for such a click, written in place (plain ASCII).
    mutating func beyondLookback(_ name: StaticString?, age: Int64, lookback: Int64) {
        let length = 64 + 2 * Value.durationCapacity
        ascii(name, length: length) { buffer in
            var count = buffer.put("older than the lookback: ", at: 0)
            count += Value.durationBytes(age, into: UnsafeMutableBufferPointer(rebasing: buffer[count...]))
            count = buffer.put(" before the order, lookback ", at: count)
            return count + Value.durationBytes(lookback, into: UnsafeMutableBufferPointer(rebasing: buffer[count...]))
        }
    }

    /// Touch `index` of a trace when it is a click with a numbered id, a referrer id that
    /// needs no escaping, no code, and either kept or beyond the lookback (nearly every
    /// touch): the object written whole in place, the bytes member by member would give.
    /// False, with nothing written, for any other touch. (A touch written member by member
    /// was seven calls, a check for room each: 4.3% of a run's samples on the reference
    /// kit's large data, a trace naming some six touches.)
    mutating func clickTouch(_ touches: [TouchTrace], at index: Int) -> Bool {
        guard touches[index].evidence == "click", touches[index].code.isEmpty, case .number(let id) = touches[index].touchID,
              JSONWriter.fourDigitYears.contains(touches[index].at.secondsSinceEpoch) else { return false }
        let at = touches[index].at
        var beyond: (age: Int64, lookback: Int64)?
        switch touches[index].exclusion {
        case nil: break
        case .beyondLookback(let age, let lookback): beyond = (age, lookback)
        case .words: return false
        }
        var referrer = touches[index].referrer
        return referrer.withUTF8 { referrer -> Bool in
            guard JSONWriter.needsNoEscape(referrer) else { return false }
            // Room for the longest such touch: 102 bytes and the referrer's when kept, 490
            // and the referrer's beyond the lookback.
            let length = 128 + referrer.count + (beyond == nil ? 0 : 64 + 2 * Value.durationCapacity)
            element(length: length) { buffer in
                var count = buffer.put("{\"evidence\":\"click\",\"id\":\"", at: 0)
                count += Self.write(ExactDecimal(significand: id, scale: 0), into: buffer, at: count)
                count = buffer.put("\",\"referrer\":\"", at: count)
                count = buffer.copy(referrer, at: count)
                count = buffer.put("\",\"at\":\"", at: count)
                count += Value.timestampBytes(at, into: UnsafeMutableBufferPointer(rebasing: buffer[count...]))
                guard let beyond else { return buffer.put("\",\"kept\":true}", at: count) }
                count = buffer.put("\",\"kept\":false,\"excluded\":\"older than the lookback: ", at: count)
                count += Value.durationBytes(beyond.age, into: UnsafeMutableBufferPointer(rebasing: buffer[count...]))
                count = buffer.put(" before the order, lookback ", at: count)
                count += Value.durationBytes(beyond.lookback, into: UnsafeMutableBufferPointer(rebasing: buffer[count...]))
                return buffer.put("\"}", at: count)
            }
            return true
        }
    }

    /// A decision record's members up to its trace, opened with its `{`, written whole
    /// in place for a decision paid (payable or pending) without redaction: its id, type,
    /// order, referrer, status, outcome (`paid by RULE, …`), amounts, currency, payable-on
    /// date and lines, the bytes member by member would give. False, with nothing written,
    /// for any other decision or when a text needs escaping. (Member by member it was some
    /// twenty calls with a check for room each.)
    mutating func paidDecisionHead(_ decision: Decision, currency: String, digits: Int) -> Bool {
        guard decision.status == .payable || decision.status == .pending, decision.reason == nil, let payableOn = decision.payableOn,
              (0...9999).contains(payableOn.year) else { return false }
        let amount = ExactDecimal(significand: decision.amount, scale: digits), total = ExactDecimal(significand: decision.ruleTotal, scale: digits)
        // The names and punctuation (some 200 bytes), the texts twice, the amounts.
        var length = 256 + Self.decimalCapacity(amount) + Self.decimalCapacity(total)
        for index in decision.lines.indices {
            var rule = decision.lines[index].rule
            guard rule.withUTF8({ JSONWriter.needsNoEscape($0) }) else { return false }
            length += 40 + 2 * rule.utf8.count + Self.decimalCapacity(ExactDecimal(significand: decision.lines[index].amount, scale: digits))
        }
        var order = decision.order, referrer = decision.referrer, currency = currency
        let status: StaticString = decision.status == .payable ? "payable" : "pending"
        return order.withUTF8 { order in
            referrer.withUTF8 { referrer in
                currency.withUTF8 { currency in
                    guard JSONWriter.needsNoEscape(order), JSONWriter.needsNoEscape(referrer), JSONWriter.needsNoEscape(currency) else { return false }
                    length += 3 * order.count + 3 * referrer.count + currency.count
                    element(length: length) { buffer in
                        var count = buffer.put("{\"id\":\"", at: 0)
                        count = buffer.copy(order, at: count)
                        count = buffer.put("/", at: count)
                        count = buffer.copy(referrer, at: count)
                        count = buffer.put("\",\"type\":\"decision\",\"order\":\"", at: count)
                        count = buffer.copy(order, at: count)
                        count = buffer.put("\",\"referrer\":\"", at: count)
                        count = buffer.copy(referrer, at: count)
                        count = buffer.put("\",\"status\":\"", at: count)
                        count = buffer.put(status, at: count)
                        count = buffer.put("\",\"outcome\":\"paid by ", at: count)
                        for index in decision.lines.indices {
                            if index > 0 { count = buffer.put(", ", at: count) }
                            var rule = decision.lines[index].rule
                            count = rule.withUTF8 { buffer.copy($0, at: count) }
                        }
                        count = buffer.put("\",\"amount\":\"", at: count)
                        count += Self.write(amount, into: buffer, at: count)
                        count = buffer.put("\",\"rule_total\":\"", at: count)
                        count += Self.write(total, into: buffer, at: count)
                        count = buffer.put("\",\"currency\":\"", at: count)
                        count = buffer.copy(currency, at: count)
                        count = buffer.put("\",\"payable_on\":\"", at: count)
                        count += payableOn.write(into: UnsafeMutableBufferPointer(rebasing: buffer[count...]))
                        count = buffer.put("\",\"lines\":[", at: count)
                        for index in decision.lines.indices {
                            count = buffer.put(index == 0 ? "{\"rule\":\"" : ",{\"rule\":\"", at: count)
                            var rule = decision.lines[index].rule
                            count = rule.withUTF8 { buffer.copy($0, at: count) }
                            count = buffer.put("\",\"amount\":\"", at: count)
                            count += Self.write(ExactDecimal(significand: decision.lines[index].amount, scale: digits), into: buffer, at: count)
                            count = buffer.put("\"}", at: count)
                        }
                        return buffer.put("]", at: count)
                    }
                    return true
                }
            }
        }
    }

    /// A trace's `order` member written whole in place (`customer` as shown), when its
    /// texts need no escaping, it has no conversion and its instant and date have
    /// four-digit years: the bytes member by member would give. False, with nothing
    /// written, otherwise. (Member by member it was nine calls with a check for room each.)
    mutating func orderFacts(_ order: OrderFacts, customer: String) -> Bool {
        guard order.rate == nil, JSONWriter.fourDigitYears.contains(order.at.secondsSinceEpoch), (0...9999).contains(order.localDate.year)
        else { return false }
        let net = ExactDecimal(significand: order.net, scale: order.netMinorUnits)
        var id = order.id, channel = order.channel, customer = customer, currency = order.currency
        return id.withUTF8 { id in
            channel.withUTF8 { channel in
                customer.withUTF8 { customer in
                    currency.withUTF8 { currency in
                        guard JSONWriter.needsNoEscape(id), JSONWriter.needsNoEscape(channel), JSONWriter.needsNoEscape(customer),
                              JSONWriter.needsNoEscape(currency) else { return false }
                        // 106 bytes of names and punctuation, 30 of instant and date, the texts and amount.
                        let length = 160 + id.count + channel.count + customer.count + currency.count + Self.decimalCapacity(net)
                        element(length: length) { buffer in
                            var count = buffer.put("\"order\":{\"id\":\"", at: 0)
                            count = buffer.copy(id, at: count)
                            count = buffer.put("\",\"at\":\"", at: count)
                            count += Value.timestampBytes(order.at, into: UnsafeMutableBufferPointer(rebasing: buffer[count...]))
                            count = buffer.put("\",\"date\":\"", at: count)
                            count += order.localDate.write(into: UnsafeMutableBufferPointer(rebasing: buffer[count...]))
                            count = buffer.put("\",\"channel\":\"", at: count)
                            count = buffer.copy(channel, at: count)
                            count = buffer.put("\",\"customer\":\"", at: count)
                            count = buffer.copy(customer, at: count)
                            count = buffer.put(order.isNewCustomer ? "\",\"new_customer\":true,\"currency\":\"" : "\",\"new_customer\":false,\"currency\":\"",
                                               at: count)
                            count = buffer.copy(currency, at: count)
                            count = buffer.put("\",\"net\":\"", at: count)
                            count += Self.write(net, into: buffer, at: count)
                            return buffer.put("\"}", at: count)
                        }
                        return true
                    }
                }
            }
        }
    }

    /// A pay clause's arithmetic, exactly as `PaymentArithmetic.text` words it: a rate's
    /// amounts written in place.
    mutating func payment(_ name: StaticString?, _ arithmetic: PaymentArithmetic) {
        switch arithmetic {
        case .words(let words):
            string(name, words)
        case .fixed(let payment, let amount, let digits):
            let amount = ExactDecimal(significand: amount, scale: digits)
            let colon: StaticString = ": "
            string(name, payment, thenASCII: colon.utf8CodeUnitCount + Self.decimalCapacity(amount)) { buffer in
                let count = buffer.put(colon, at: 0)
                return count + Self.write(amount, into: buffer, at: count)
            }
        case .rate(let payment, let points, let base, let amount, let digits):
            ratePayment(name, payment, points: points, base: base, amount: amount, digits: digits)
        }
    }

    /// A rate paid on a base: `PAYMENT: RATE% × BASE = AMOUNT` (see `PaymentArithmetic.rate`).
    mutating func ratePayment(_ name: StaticString?, _ payment: String, points: ExactDecimal, base: Int64, amount: Int64, digits: Int) {
        let rate = points.normalized
        let base = ExactDecimal(significand: base, scale: digits), amount = ExactDecimal(significand: amount, scale: digits)
        let colon: StaticString = ": ", times: StaticString = "% × ", equals: StaticString = " = "
        let length = Self.decimalCapacity(rate) + Self.decimalCapacity(base) + Self.decimalCapacity(amount)
            + colon.utf8CodeUnitCount + times.utf8CodeUnitCount + equals.utf8CodeUnitCount
        // (`×` is not ASCII, but it is valid UTF-8 that JSON needs no escape for.)
        string(name, payment, thenASCII: length) { buffer in
            var count = buffer.put(colon, at: 0)
            count += Self.write(rate, into: buffer, at: count)
            count = buffer.put(times, at: count)
            count += Self.write(base, into: buffer, at: count)
            count = buffer.put(equals, at: count)
            return count + Self.write(amount, into: buffer, at: count)
        }
    }

    /// A credit's arithmetic, exactly as `CreditTrace.Arithmetic.text` words it.
    mutating func creditArithmetic(_ name: StaticString?, _ arithmetic: CreditTrace.Arithmetic) {
        switch arithmetic {
        case .words(let words):
            string(name, words)
        case .wholeOrder(let net, let digits):
            let net = ExactDecimal(significand: net, scale: digits)
            let prefix: StaticString = "the whole order: net "
            ascii(name, length: prefix.utf8CodeUnitCount + Self.decimalCapacity(net)) { buffer in
                let count = buffer.put(prefix, at: 0)
                return count + Self.write(net, into: buffer, at: count)
            }
        }
    }

    /// Room for `decimal`'s `description`.
    private static func decimalCapacity(_ decimal: ExactDecimal) -> Int {
        if decimal.scale > 0 { return decimal.textLength }
        if decimal.scale == 0 { return wholeLength(decimal.significand) }
        return decimal.description.utf8.count
    }

    /// Writes `decimal`'s `description` into `buffer` from `offset`; returns its length.
    /// A whole number's digits are written in place: through `description`, a `String`
    /// made twice for every click a trace names (the ids are written this way) was a
    /// tenth of rendering a decision record.
    private static func write(_ decimal: ExactDecimal, into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int) -> Int {
        let rest = UnsafeMutableBufferPointer(rebasing: buffer[offset...])
        if decimal.scale > 0 { return decimal.write(into: rest) }
        if decimal.scale == 0 {
            let length = wholeLength(decimal.significand)
            var magnitude = decimal.significand.magnitude
            for place in stride(from: length - 1, through: decimal.significand < 0 ? 1 : 0, by: -1) {
                rest[place] = UInt8(48 + magnitude % 10)
                magnitude /= 10
            }
            if decimal.significand < 0 { rest[0] = 45 }
            return length
        }
        var count = 0
        for byte in decimal.description.utf8 { rest[count] = byte; count += 1 }
        return count
    }

    /// The length of a whole number's text: its digits, and its sign when negative.
    private static func wholeLength(_ value: Int64) -> Int {
        var digits = 1
        var rest = value.magnitude / 10
        while rest > 0 { digits += 1; rest /= 10 }
        return digits + (value < 0 ? 1 : 0)
    }
}

extension UnsafeMutableBufferPointer where Element == UInt8 {
    /// Copies `bytes` from `offset` and returns the offset after them (the buffer must
    /// have room).
    fileprivate func copy(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> Int {
        precondition(offset >= 0 && bytes.count <= count - offset, "no room for the bytes")
        if let base = bytes.baseAddress, !bytes.isEmpty { (baseAddress! + offset).update(from: base, count: bytes.count) }
        return offset + bytes.count
    }
}
