import TallyValues

/// The rows of one order as `OrderGrouper.build` reads them: the text of a field by
/// row and slot (trimmed, "" when the file has no such column) and each row's line.
protocol OrderRowTexts {
    var count: Int { get }
    func text(_ row: Int, _ slot: Int?) -> String
    func line(_ row: Int) -> Int
    /// The instant in row `row`'s field `slot` when it is ISO-8601 read from its bytes
    /// (see `Timestamp.parse(bytes:lastDay:)`), with no text made; nil otherwise, or when
    /// the rows are not kept as bytes (the text is then read the general way).
    func instant(_ row: Int, _ slot: Int?, lastDay: inout Timestamp.LastDay) -> Timestamp?
}

extension OrderRowTexts {
    func instant(_ row: Int, _ slot: Int?, lastDay: inout Timestamp.LastDay) -> Timestamp? { nil }
}

extension Array: OrderRowTexts where Element == RowImporter.Fields {
    func text(_ row: Int, _ slot: Int?) -> String { self[row][slot] }
    func line(_ row: Int) -> Int { self[row].row.line }
}

/// Gathers the rows of one order (consecutive rows with the same order id) and turns
/// them into an `Order`, or rejects all of its rows together: an order is accepted
/// whole or not at all, so no line is silently dropped from a commission base.
struct OrderGrouper {
    let file: Int
    let sumsAmounts: Bool
    let currency: Currency
    let source: LedgerSource
    /// Set by the importer once the table's columns are known.
    var slots = OrderSlots()
    private var rows: [RowImporter.Fields] = []
    /// The day of the last order instant read (orders come in time order: see
    /// `Timestamp.parse(bytes:lastDay:)`).
    var lastDay = Timestamp.LastDay()
    /// Statuses, channels and marketplaces read last (see `simpleOrder`).
    var recentStatuses = RecentTexts(), recentChannels = RecentTexts(), recentMarketplaces = RecentTexts()
    private var problem: (line: Int, field: String, value: String, reason: String)?

    init(file: Int, source: LedgerSource, currency: Currency) {
        self.file = file
        self.source = source
        self.sumsAmounts = source.format == .amazonOrders
        self.currency = currency
    }

    /// The id of the order whose rows are being gathered, if any.
    var openOrderID: String? { rows.first?[slots.order] }

    mutating func add(_ fields: RowImporter.Fields, loader: inout LedgerLoader) throws {
        let id = fields[slots.order]
        if let first = rows.first, first[slots.order] != id { flush(into: &loader) }
        rows.append(fields)
        if id.isEmpty, problem == nil {
            problem = (fields.row.line, "order", "", "no order id")
        }
    }

    /// Builds the gathered order and records it (or rejects its rows).
    mutating func flush(into loader: inout LedgerLoader) {
        guard !rows.isEmpty else { return }
        defer {
            rows.removeAll()
            problem = nil
        }
        let firstLine = rows[0].row.line
        let order: Order
        do {
            if let problem { throw RowImporter.Problem(field: problem.field, value: problem.value, reason: problem.reason) }
            order = try build(rows, loader: loader)
        } catch let failure as RowImporter.Problem {
            let badLine = lineOfProblem ?? firstLine
            for fields in rows {
                if fields.row.line == badLine {
                    loader.reject(file, fields.row.line, column: fields.column(failure.field), value: failure.value, reason: failure.reason)
                } else {
                    loader.reject(file, fields.row.line, column: "", value: "",
                                  reason: "rejected with order `\(rows[0][slots.order])`: line \(badLine) \(failure.reason)")
                }
            }
            lineOfProblem = nil
            return
        } catch {
            return
        }
        // One lookup for the usual new id: recorded unless it is taken.
        if let position = loader.orderPosition.insert(order.id, at: loader.ledgers.orders.count) {
            let earlier = loader.ledgers.orders[position]
            var same = earlier
            same.source = order.source
            for index in same.lines.indices where index < order.lines.count { same.lines[index].source = order.lines[index].source }
            let place = "line \(earlier.source.line) of \(loader.ledgers.files[earlier.source.file])"
            for fields in rows {
                if same == order {
                    loader.reject(file, fields.row.line, column: "", value: "", reason: "exact duplicate of order `\(order.id)` on \(place), skipped", duplicate: true)
                } else {
                    loader.reject(file, fields.row.line, column: fields.column("order"), value: order.id,
                                  reason: "order id `\(order.id)` is already used by a different order on \(place)")
                }
            }
            return
        }
        loader.ledgers.orders.append(order)
        loader.accept(file, rows: rows.count)
    }

    /// The line of the row a build problem came from.
    private var lineOfProblem: Int?

    /// The order of one line read in place (`importOrderRows`), or nil when it does not
    /// build: the line then goes through `add`, which says why.
    mutating func orderOfOwnLine(_ line: PlainOrderRow, id: String, loader: LedgerLoader) -> Order? {
        defer { lineOfProblem = nil }
        if loader.settings.readsSimpleOrderLines, let order = simpleOrder(line, id: id, loader: loader) { return order }
        return try? build(line, loader: loader)
    }

    private mutating func fail(_ line: Int, _ field: String, _ value: String, _ reason: String) -> RowImporter.Problem {
        lineOfProblem = line
        return RowImporter.Problem(field: field, value: value, reason: reason)
    }

    /// An order-level field: the first non-empty value; later rows may repeat it but not contradict it.
    private mutating func orderLevel<Rows: OrderRowTexts>(_ rows: Rows, _ field: String, _ slot: Int?) throws -> String {
        guard slot != nil else { return "" }
        // Most orders are one row: no loop (each step copied the row's fields).
        if rows.count == 1 { return rows.text(0, slot) }
        var value = ""
        for row in 0..<rows.count {
            let text = rows.text(row, slot)
            if text.isEmpty { continue }
            if value.isEmpty { value = text } else if text != value, !sumsAmounts || !["shipping", "tax", "gift_wrap", "ship_discount"].contains(field) {
                throw fail(rows.line(row), field, text, "the order's \(field) is `\(value)` on an earlier line of the same order")
            }
        }
        return value
    }

    /// The order of `rows` (one or more rows with the same order id), or the problem
    /// that rejects them, with its line in `lineOfProblem`.
    mutating func build<Rows: OrderRowTexts>(_ rows: Rows, loader: LedgerLoader) throws -> Order {
        /// The line of the first row that `holds` (the row a problem came from), else the first.
        func line(where holds: (Int) -> Bool) -> Int {
            (0..<rows.count).first(where: holds).map { rows.line($0) } ?? rows.line(0)
        }
        func line(of slot: Int?, _ text: String) -> Int { line { rows.text($0, slot) == text } }
        let first = rows.line(0)
        let id = rows.text(0, slots.order)
        let at: Timestamp
        let format = source.timestampFormat
        // An order of one line with an ISO-8601 instant (nearly every order) is read from
        // the line's bytes: its text, 20 bytes and more, was an allocation per order.
        if rows.count == 1, format == nil, let instant = rows.instant(0, slots.at, lastDay: &lastDay) {
            at = instant
        } else {
            let atText = try orderLevel(rows, "at", slots.at)
            guard !atText.isEmpty else { throw fail(first, "at", "", "no order timestamp") }
            switch format.map({ FieldText.timestamp(atText, format: $0, clock: loader.settings.clock) })
                ?? FieldText.timestamp(atText, clock: loader.settings.clock, lastDay: &lastDay) {
            case .success(let value): at = value
            case .failure(let problem): throw fail(line(of: slots.at, atText), "at", atText, problem.reason)
            }
        }
        let codeText = try orderLevel(rows, "currency", slots.currency)
        // The program's own code as written, the usual case, needs no upper-casing and
        // no lookup (both were a tenth of building the reference kit's orders).
        let code = codeText == currency.code ? codeText : codeText.uppercased()
        let orderCurrency: Currency
        if code.isEmpty || code == currency.code {
            orderCurrency = currency
        } else if let known = Currency(code: code) {
            orderCurrency = known
        } else {
            throw fail(line { rows.text($0, slots.currency).uppercased() == code }, "currency", code, "unknown currency `\(code)` (not an ISO 4217 code)")
        }
        if orderCurrency != currency {
            let date = loader.settings.clock.localDate(of: at)
            if loader.ledgers.fxRate(orderCurrency.code, on: date) == nil {
                throw fail(first, "currency", code, "no \(orderCurrency.code) rate in the FX ledger for \(date), the order's date")
            }
        }
        var status = OrderGrouper.lowercased(try orderLevel(rows, "status", slots.status))
        if status.isEmpty { status = "shipped" }
        let cancelledAt = try orderLevel(rows, "cancelled_at", slots.cancelledAt)
        if status == "voided" || status == "canceled" || !cancelledAt.isEmpty { status = "cancelled" }

        var lines: [OrderLine] = []
        var shipping: Int64 = 0, tax: Int64 = 0, giftWrap: Int64 = 0, shipDiscount: Int64 = 0
        lines.reserveCapacity(rows.count)
        for row in 0..<rows.count {
            let line = rows.line(row)
            /// An amount of this row (0 when empty).
            func money(_ field: String, _ slot: Int?) throws -> Int64 {
                try self.money(text: rows.text(row, slot), field: field, orderCurrency, line: line)
            }
            var quantity: Int64 = 1
            let quantityText = rows.text(row, slots.qty)
            if !quantityText.isEmpty {
                switch FieldText.quantity(quantityText) {
                case .success(let value): quantity = value
                case .failure(let problem): throw fail(line, "qty", quantityText, problem.reason)
                }
            }
            let price = try money("price", slots.price)
            var amount = price * quantity
            let amountText = rows.text(row, slots.amount)
            if !amountText.isEmpty { amount = try money("amount", slots.amount) }
            if amount < 0 { throw fail(line, "amount", amountText, "a negative line amount") }
            let discount = abs(try money("discount", slots.discount))
            if discount > amount { throw fail(line, "discount", rows.text(row, slots.discount), "the discount is larger than the line") }
            let sku = rows.text(row, slots.sku)
            // No catalog, no lookup (hashing an empty SKU for every order of a shop
            // without one).
            let product = loader.ledgers.products.isEmpty ? nil : loader.ledgers.products[sku]
            let asin = rows.text(row, slots.asin), category = rows.text(row, slots.category), name = rows.text(row, slots.name)
            lines.append(OrderLine(sku: sku, asin: asin.isEmpty ? product?.asin ?? "" : asin,
                                   category: category.isEmpty ? product?.category ?? "" : category,
                                   name: name.isEmpty ? product?.name ?? "" : name,
                                   quantity: quantity, price: quantity == 0 ? price : (price == 0 ? Rounding.halfEven(amount, quantity) : price),
                                   amount: amount, discount: discount, source: RowReference(file: file, line: line)))
            if sumsAmounts {
                shipping += try money("shipping", slots.shipping)
                tax += try money("tax", slots.tax)
                giftWrap += try money("gift_wrap", slots.giftWrap)
                shipDiscount += abs(try money("ship_discount", slots.shipDiscount))
            }
        }
        /// An order-level amount (0 when empty), its problem on the first row holding it.
        func orderMoney(_ field: String, _ slot: Int?) throws -> Int64 {
            let text = try orderLevel(rows, field, slot)
            return try money(text: text, field: field, orderCurrency, line: line(of: slot, text))
        }
        if !sumsAmounts {
            shipping = try orderMoney("shipping", slots.shipping)
            tax = try orderMoney("tax", slots.tax)
            giftWrap = try orderMoney("gift_wrap", slots.giftWrap)
        }
        var orderDiscount: Int64 = 0
        let orderDiscountText = try orderLevel(rows, "order_discount", slots.orderDiscount)
        if !lines.contains(where: { $0.discount > 0 }), !orderDiscountText.isEmpty {
            orderDiscount = abs(try money(text: orderDiscountText, field: "order_discount", orderCurrency,
                                          line: line(of: slots.orderDiscount, orderDiscountText)))
            let gross = lines.reduce(0) { $0 + $1.amount }
            if orderDiscount > gross { throw fail(first, "order_discount", orderDiscountText, "the discount is larger than the order") }
        }
        var codes: [String] = []
        for row in 0..<rows.count {
            let text = rows.text(row, slots.promoCodes)
            if text.isEmpty { continue }
            for code in text.split(whereSeparator: { $0 == "," || $0 == ";" }) {
                let trimmed = String(code).trimmedSpaces
                if !trimmed.isEmpty, !codes.contains(trimmed) { codes.append(trimmed) }
            }
        }
        var customer = try orderLevel(rows, "customer", slots.customer)
        let emailText = try orderLevel(rows, "email", slots.email)
        // A byte test: Foundation's substring search was a tenth of loading orders.
        let isEmail = customer.utf8.contains(UInt8(ascii: "@"))
        let email = emailText.isEmpty ? (isEmail ? customer : "") : emailText
        if isEmail { customer = customer.lowercased() }
        if customer.isEmpty {
            switch source.format {
            case .amazonOrders: customer = "amazon:\(id)"
            case .shopifyOrders: customer = "shop:\(id)"
            default: throw fail(first, "customer", "", "no customer key")
            }
        }
        return Order(id: id, at: at, customer: customer, email: email, channel: try orderLevel(rows, "channel", slots.channel),
                     marketplace: try orderLevel(rows, "marketplace", slots.marketplace), status: status, currency: orderCurrency, lines: lines,
                     shipping: max(0, shipping - shipDiscount), tax: tax, giftWrap: giftWrap, orderDiscount: orderDiscount,
                     promoCodes: codes, source: RowReference(file: file, line: first))
    }

    /// The text in lower case; an ASCII text without capitals as it is (a status is
    /// nearly always written so: lower-casing every order's was 4% of building them).
    static func lowercased(_ text: String) -> String {
        text.utf8.allSatisfy({ $0 < 0x80 && !(65...90).contains($0) }) ? text : text.lowercased()
    }

    /// An amount in minor units (0 when `text` is empty); a problem is `line`'s.
    private mutating func money(text: String, field: String, _ currency: Currency, line: Int) throws -> Int64 {
        if text.isEmpty { return 0 }
        switch FieldText.money(text, currency: currency) {
        case .success(let value): return value
        case .failure(let problem): throw fail(line, field, text, problem.reason)
        }
    }
}

/// Where each order field is in the table's rows, resolved once per file: looking a
/// field up by name for every field of every row was a quarter of the orders' loading
/// profile (medium: 0.43-0.54 s to 0.37-0.47 s without it).
struct OrderSlots {
    var order: Int?
    var at: Int?
    var currency: Int?
    var status: Int?
    var cancelledAt: Int?
    var qty: Int?
    var price: Int?
    var amount: Int?
    var discount: Int?
    var sku: Int?
    var asin: Int?
    var category: Int?
    var name: Int?
    var shipping: Int?
    var tax: Int?
    var giftWrap: Int?
    var shipDiscount: Int?
    var orderDiscount: Int?
    var promoCodes: Int?
    var customer: Int?
    var email: Int?
    var channel: Int?
    var marketplace: Int?

    init(_ slot: [String: Int] = [:]) {
        order = slot["order"]
        at = slot["at"]
        currency = slot["currency"]
        status = slot["status"]
        cancelledAt = slot["cancelled_at"]
        qty = slot["qty"]
        price = slot["price"]
        amount = slot["amount"]
        discount = slot["discount"]
        sku = slot["sku"]
        asin = slot["asin"]
        category = slot["category"]
        name = slot["name"]
        shipping = slot["shipping"]
        tax = slot["tax"]
        giftWrap = slot["gift_wrap"]
        shipDiscount = slot["ship_discount"]
        orderDiscount = slot["order_discount"]
        promoCodes = slot["promo_codes"]
        customer = slot["customer"]
        email = slot["email"]
        channel = slot["channel"]
        marketplace = slot["marketplace"]
    }
}
