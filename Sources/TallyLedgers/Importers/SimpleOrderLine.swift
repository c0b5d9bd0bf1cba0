import TallyValues

/// One-line orders whose fields need nothing of `OrderGrouper.build` beyond being read:
/// one amount, in the program's currency, a customer key that is not an email, at most
/// one promo code, no line detail (price, discount, SKU, product names). Such a line is
/// read from its bytes: the few texts an order keeps are made once, and its status and
/// channel, the same few values again and again, are taken from the last ones seen.
/// Anything else (a field this reader does not take, a value it cannot read) goes to
/// `build`, which says what is wrong with it; so the order is always the one `build`
/// makes (`PlainOrderRowsTests` compares them over messy files).
///
/// Why: `build` made a text of every field and read each back (statuses lower-cased,
/// codes upper-cased and compared); on the reference kit's large data, a million
/// one-line orders, that was 0.42 s of the 0.72 s of reading them.
extension OrderGrouper {
    /// The order of `line` when it is simple (see above), else nil. `id` is its order
    /// id, already read.
    mutating func simpleOrder(_ line: PlainOrderRow, id: String, loader: LedgerLoader) -> Order? {
        guard !sumsAmounts, source.timestampFormat == nil, loader.ledgers.products.isEmpty, !id.isEmpty else { return nil }
        guard takesNothingElse(line) else { return nil }
        guard let at = line.instant(0, slots.at, lastDay: &lastDay) else { return nil }
        // The program's own code as written, or none.
        guard line.bytes(slots.currency, { $0.isEmpty || $0.elementsEqual(currency.code.utf8) }) ?? true else { return nil }
        var quantity: Int64 = 1
        if !line.isEmpty(slots.qty) {
            guard let value = line.bytes(slots.qty, SimpleOrderLine.wholeNumber) ?? nil else { return nil }
            quantity = value
        }
        guard let amount = money(line, slots.amount), amount >= 0, let shipping = money(line, slots.shipping),
              let tax = money(line, slots.tax), let giftWrap = money(line, slots.giftWrap) else { return nil }
        // A customer key that is not an email (an email is lower-cased and kept as one).
        guard let customer = line.bytes(slots.customer, { bytes -> String? in
            bytes.isEmpty || bytes.contains(UInt8(ascii: "@")) ? nil : UTF8Text.string(bytes)
        }) ?? nil else { return nil }
        // At most one code: no separator, nothing to trim.
        var codes: [String] = []
        if !line.isEmpty(slots.promoCodes) {
            guard let code = line.bytes(slots.promoCodes, { bytes -> String? in
                bytes.allSatisfy { $0 > 32 && $0 < 127 && $0 != 44 && $0 != 59 } ? UTF8Text.string(bytes) : nil
            }) ?? nil else { return nil }
            codes = [code]
        }
        var status = line.bytes(slots.status) { recentStatuses.text(of: $0) { OrderGrouper.lowercased(SimpleOrderLine.text($0)) } } ?? ""
        if status.isEmpty { status = "shipped" }
        if status == "voided" || status == "canceled" || !line.isEmpty(slots.cancelledAt) { status = "cancelled" }
        let channel = line.bytes(slots.channel) { recentChannels.text(of: $0, SimpleOrderLine.text) } ?? ""
        let marketplace = line.bytes(slots.marketplace) { recentMarketplaces.text(of: $0, SimpleOrderLine.text) } ?? ""
        let email = line.isEmpty(slots.email) ? "" : line.text(0, slots.email)
        let row = RowReference(file: file, line: line.row.line)
        let orderLine = OrderLine(sku: "", asin: "", category: "", name: "", quantity: quantity,
                                  price: quantity == 0 ? 0 : Rounding.halfEven(amount, quantity), amount: amount, discount: 0, source: row)
        return Order(id: id, at: at, customer: customer, email: email, channel: channel, marketplace: marketplace, status: status,
                     currency: currency, lines: [orderLine], shipping: max(0, shipping), tax: tax, giftWrap: giftWrap, orderDiscount: 0,
                     promoCodes: codes, source: row)
    }

    /// Whether the fields this reader does not take are empty (or not in the file).
    /// (Tested one by one: a list of the slots was an array made for every order.)
    private func takesNothingElse(_ line: PlainOrderRow) -> Bool {
        line.isEmpty(slots.price) && line.isEmpty(slots.discount) && line.isEmpty(slots.sku) && line.isEmpty(slots.asin)
            && line.isEmpty(slots.category) && line.isEmpty(slots.name) && line.isEmpty(slots.orderDiscount)
            && line.isEmpty(slots.shipDiscount)
    }

    /// An amount field in minor units (0 when empty or not in the file), nil when it is
    /// not one (`build` then says why).
    private func money(_ line: PlainOrderRow, _ slot: Int?) -> Int64? {
        guard !line.isEmpty(slot) else { return 0 }
        guard case .success(let value) = FieldText.money(line.text(0, slot), currency: currency) else { return nil }
        return value
    }
}

/// Helpers of `OrderGrouper.simpleOrder`.
enum SimpleOrderLine {
    /// The text of a field's bytes (those of a plain line: ASCII).
    static func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        UTF8Text.string(bytes) ?? String(decoding: bytes, as: UTF8.self)
    }

    /// Digits only, as a whole number (what `FieldText.quantity` takes of them); nil for
    /// anything else, including a number too large.
    static func wholeNumber(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var value: Int64 = 0
        for byte in bytes {
            guard byte >= 48, byte <= 57 else { return nil }
            value = value * 10 + Int64(byte - 48)
        }
        return value
    }
}

/// The texts of the last few distinct values read from a short field (statuses,
/// channels), so that a value seen before is not made again.
struct RecentTexts {
    private var entries: [(bytes: [UInt8], text: String)] = []

    /// The text of `bytes` (read by `make`), the one made before when these bytes were seen.
    mutating func text(of bytes: UnsafeBufferPointer<UInt8>, _ make: (UnsafeBufferPointer<UInt8>) -> String) -> String {
        if let index = entries.firstIndex(where: { $0.bytes.elementsEqual(bytes) }) { return entries[index].text }
        let text = make(bytes)
        // A handful of values in turn: a field with many values keeps the last few.
        if entries.count == 8 { entries.removeFirst() }
        entries.append((Array(bytes), text))
        return text
    }
}
