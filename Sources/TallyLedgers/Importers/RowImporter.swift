import Foundation
import TallyValues

/// Reads the rows of one ledger file into records, rejecting what cannot be used.
struct RowImporter {
    var loader: LedgerLoader
    let file: Int
    var table: LedgerTable
    let source: LedgerSource
    let slot: [String: Int]
    /// For exact-duplicate detection: rows already seen (see `DuplicateFilter`).
    var duplicates: DuplicateFilter
    /// Orders being grouped from their line rows.
    var orders: OrderGrouper
    var importingClickRows = false
    var importingOrderRows = false

    init(loader: LedgerLoader, file: Int, table: LedgerTable, source: LedgerSource) {
        self.loader = loader
        self.file = file
        self.table = table
        if source.kind == .orders { self.table.keepsRaw = false }
        self.source = source
        self.orders = OrderGrouper(file: file, source: source, currency: loader.settings.currency)
        self.duplicates = DuplicateFilter(delimiter: source.format == .csv || source.format == .shopifyOrders ? 44 : 9)
        var slots: [String: Int] = [:]
        for (index, field) in table.fields.enumerated() { slots[field] = index }
        self.slot = slots
        self.orders.slots = OrderSlots(slots)
    }

    var settings: LoadSettings { loader.settings }

    /// A row being imported, with its values by our field name.
    struct Fields {
        let row: LedgerTable.Row
        let slot: [String: Int]
        let columns: [String]
        subscript(_ field: String) -> String {
            guard let index = slot[field] else { return "" }
            return row.values[index].trimmedSpaces
        }
        /// The value in a slot resolved beforehand (nil: the file has no such column).
        subscript(_ slot: Int?) -> String {
            guard let slot else { return "" }
            return row.values[slot].trimmedSpaces
        }
        func column(_ field: String) -> String { slot[field].map { columns[$0] } ?? field }
    }

    /// A field that could not be read: the column, the raw value and why.
    struct Problem: Error {
        var field: String
        var value: String
        var reason: String
    }

    mutating func importRows() {
        if source.kind == .clicks, settings.readsPlainClickRows, table.isDelimited, !table.hasConstants, source.timestampFormat == nil,
           !importingClickRows {
            importingClickRows = true
            return importClickRows()
        }
        if source.kind == .orders, settings.readsPlainOrderRows, source.format == .csv, table.isDelimited, !table.hasConstants,
           !importingOrderRows {
            importingOrderRows = true
            return importOrderRows()
        }
        while let row = table.next() { importRow(row) }
        if source.kind == .orders { orders.flush(into: &loader) }
        if duplicates.wentBackInTime { loader.clicksOutOfOrder = true }
    }

    /// Imports one row: rejects it with the reason, or adds it to its ledger. `counted`:
    /// the caller already counted it as read.
    mutating func importRow(_ row: LedgerTable.Row, counted: Bool = false) {
        if !counted { loader.ledgers.counts[file].read += 1 }
        if let problem = row.problem {
            if source.kind == .orders { orders.flush(into: &loader) }
            loader.reject(file, row.line, column: problem.column, value: problem.value, reason: problem.reason)
            return
        }
        let fields = Fields(row: row, slot: slot, columns: table.columnNames)
        if source.kind != .orders, let earlier = duplicates.check(row.raw, line: row.line, at: fields["at"]) {
            loader.reject(file, row.line, column: "", value: "", reason: Reject.exactDuplicate(of: earlier), duplicate: true, of: earlier)
            return
        }
        do {
            switch source.kind {
            case .referrers: try importReferrer(fields)
            case .products: try importProduct(fields)
            case .clicks: try importClick(fields)
            case .orders: try orders.add(fields, loader: &loader)
            case .refunds: try importRefund(fields)
            case .assignments: try importAssignment(fields)
            case .surveys: try importSurvey(fields)
            case .fx: try importRate(fields)
            case .resolutions: try importResolution(fields)
            }
        } catch let problem as Problem {
            loader.reject(file, row.line, column: fields.column(problem.field), value: problem.value, reason: problem.reason)
        } catch {
            loader.reject(file, row.line, column: "", value: "", reason: "\(error)")
        }
    }

    // MARK: Field readers

    func required(_ fields: Fields, _ name: String, what: String? = nil) throws -> String {
        let value = fields[name]
        if value.isEmpty { throw Problem(field: name, value: "", reason: "no \(what ?? name)") }
        return value
    }

    func timestamp(_ fields: Fields, _ name: String) throws -> Timestamp {
        let text = fields[name]
        switch source.timestampFormat.map({ FieldText.timestamp(text, format: $0, clock: settings.clock) }) ?? FieldText.timestamp(text, clock: settings.clock) {
        case .success(let value): return value
        case .failure(let problem): throw Problem(field: name, value: text, reason: text.isEmpty ? "no timestamp" : problem.reason)
        }
    }

    func optionalTimestamp(_ fields: Fields, _ name: String) throws -> Timestamp? {
        fields[name].isEmpty ? nil : try timestamp(fields, name)
    }

    func money(_ fields: Fields, _ name: String, currency: Currency, default fallback: Int64? = 0) throws -> Int64 {
        let text = fields[name]
        if text.isEmpty, let fallback { return fallback }
        switch FieldText.money(text, currency: currency) {
        case .success(let value): return value
        case .failure(let problem): throw Problem(field: name, value: text, reason: problem.reason)
        }
    }

    func referrer(_ fields: Fields, _ name: String = "referrer") throws -> Int32 {
        let id = try required(fields, name, what: "referrer id")
        guard let index = loader.ledgers.referrerIndex[id] else {
            throw Problem(field: name, value: id, reason: "unknown referrer `\(id)` (not in the referrers ledger)")
        }
        return index
    }

    var reference: (Int) -> RowReference { { RowReference(file: self.file, line: $0) } }

    // MARK: Kinds

    mutating func importReferrer(_ fields: Fields) throws {
        let id = try required(fields, "id", what: "referrer id")
        let kind = try required(fields, "kind", what: "kind (influencer, affiliate, agency, customer, …)")
        if let existing = loader.ledgers.referrerIndex[id] {
            let first = loader.ledgers.referrers[Int(existing)].source
            throw Problem(field: "id", value: id, reason: "referrer `\(id)` is already defined on line \(first.line) of \(loader.ledgers.files[first.file])")
        }
        var extras: [ExtraValue] = []
        for (name, type) in settings.referrerExtras {
            switch FieldText.extra(fields[name], as: type, currency: settings.currency, clock: settings.clock) {
            case .success(let value): extras.append(value)
            case .failure(let problem): throw Problem(field: name, value: fields[name], reason: problem.reason)
            }
        }
        var joined: CivilDate?
        if !fields["joined"].isEmpty {
            guard let date = FieldText.date(fields["joined"]) else {
                throw Problem(field: "joined", value: fields["joined"], reason: "`\(fields["joined"])` is not a date (YYYY-MM-DD)")
            }
            joined = date
        }
        let index = Int32(loader.ledgers.referrers.count)
        loader.ledgers.referrers.append(Referrer(
            index: index, id: id, name: fields["name"], kind: kind, tier: fields["tier"],
            email: fields["email"], status: fields["status"].isEmpty ? "active" : fields["status"].lowercased(),
            joined: joined, extras: extras, source: reference(fields.row.line)))
        loader.ledgers.referrerIndex[id] = index
        loader.accept(file)
    }

    mutating func importProduct(_ fields: Fields) throws {
        let sku = try required(fields, "sku", what: "SKU")
        if loader.ledgers.products[sku] != nil {
            throw Problem(field: "sku", value: sku, reason: "SKU `\(sku)` is already in the catalog")
        }
        loader.ledgers.products[sku] = Product(sku: sku, category: fields["category"], name: fields["name"], asin: fields["asin"])
        loader.accept(file)
    }

    mutating func importClick(_ fields: Fields) throws {
        let at = try timestamp(fields, "at")
        var token = fields["token"]
        var referrerID = fields["referrer"]
        var campaign = fields["campaign"]
        if !token.isEmpty {
            if let keys = loader.settings.tokenKeys {
                // A signed link names its referrer: a click row may leave the column empty.
                switch TrackingToken.check(token, keys: keys, clickDate: loader.settings.clock.localDate(of: at), referrer: referrerID,
                                           campaign: fields["campaign"]) {
                case .success(let verified):
                    referrerID = verified.referrer
                    if campaign.isEmpty { campaign = verified.campaign ?? "" }
                case .failure(let problem): throw Problem(field: "token", value: token, reason: problem.words)
                }
            } else {
                token = ""  // unverifiable without keys: not signed
                loader.unverifiedTokens += 1
            }
        }
        guard !referrerID.isEmpty else { throw Problem(field: "referrer", value: "", reason: "the referrer id is missing") }
        guard let referrer = loader.ledgers.referrerIndex[referrerID] else {
            throw Problem(field: "referrer", value: referrerID, reason: "unknown referrer `\(referrerID)` (not in the referrers ledger)")
        }
        loader.ledgers.clicks.append(Click(
            id: fields["id"], at: at, referrer: referrer, customer: fields["customer"], channel: fields["channel"],
            campaign: campaign, ip: fields["ip"], device: fields["device"], utmSource: fields["utm_source"],
            utmMedium: fields["utm_medium"], utmCampaign: fields["utm_campaign"], utmContent: fields["utm_content"],
            utmTerm: fields["utm_term"], landingURL: fields["landing_url"], token: token,
            source: reference(fields.row.line)))
        loader.accept(file)
    }

    mutating func importRefund(_ fields: Fields) throws {
        let orderID = try required(fields, "order", what: "order id")
        guard let orderPosition = loader.orderPosition[orderID] else {
            throw Problem(field: "order", value: orderID, reason: "refund for an unknown order `\(orderID)`")
        }
        let order = loader.ledgers.orders[orderPosition]
        let at = try timestamp(fields, "at")
        if !fields["currency"].isEmpty, fields["currency"].uppercased() != order.currency.code {
            throw Problem(field: "currency", value: fields["currency"], reason: "the order is in \(order.currency.code), the refund in \(fields["currency"])")
        }
        var quantity: Int64?
        if !fields["qty"].isEmpty {
            switch FieldText.quantity(fields["qty"]) {
            case .success(let value): quantity = value
            case .failure(let problem): throw Problem(field: "qty", value: fields["qty"], reason: problem.reason)
            }
        }
        let sku = fields["sku"]
        var amount: Int64
        if fields["amount"].isEmpty {
            // No amount (Amazon FBA returns, some merchant returns): pro-rate the line by quantity.
            guard let line = order.lines.first(where: { $0.sku == sku || (!fields["asin"].isEmpty && $0.asin == fields["asin"]) }) else {
                throw Problem(field: "sku", value: sku, reason: "order `\(orderID)` has no line with SKU `\(sku)` to pro-rate the refund from")
            }
            let units = quantity ?? line.quantity
            if units > line.quantity {
                throw Problem(field: "qty", value: String(units), reason: "returns \(units) units of a line of \(line.quantity)")
            }
            amount = line.quantity == 0 ? 0 : Rounding.halfEven(line.net * units, line.quantity)
        } else {
            amount = try money(fields, "amount", currency: order.currency)
        }
        amount = abs(amount)
        if amount == 0 { throw Problem(field: "amount", value: fields["amount"], reason: "a refund of zero") }
        if !sku.isEmpty, source.format == .amazonReturns,
           !order.lines.contains(where: { $0.sku == sku || (!fields["asin"].isEmpty && $0.asin == fields["asin"]) }) {
            throw Problem(field: "sku", value: sku, reason: "order `\(orderID)` has no line with SKU `\(sku)`")
        }
        loader.ledgers.refunds.append(Refund(id: fields["id"].isEmpty ? "\(loader.ledgers.files[file]):\(fields.row.line)" : fields["id"],
                                             order: orderID, orderPosition: orderPosition, at: at, amount: amount, sku: sku, quantity: quantity,
                                             source: reference(fields.row.line)))
        loader.accept(file)
    }

    mutating func importAssignment(_ fields: Fields) throws {
        let code = try required(fields, "code")
        let referrer = try referrer(fields)
        let from = try optionalTimestamp(fields, "valid_from")
        let until = try optionalTimestamp(fields, "valid_until")
        if let from, let until, until <= from {
            throw Problem(field: "valid_until", value: fields["valid_until"], reason: "`valid_until` is not after `valid_from`: the assignment is never valid")
        }
        loader.ledgers.assignments.append(PromoAssignment(code: code, referrer: referrer, validFrom: from, validUntil: until,
                                                          source: reference(fields.row.line)))
        loader.accept(file)
    }

    mutating func importSurvey(_ fields: Fields) throws {
        let orderID = try required(fields, "order", what: "order id")
        guard loader.orderPosition[orderID] != nil else {
            throw Problem(field: "order", value: orderID, reason: "survey answer for an unknown order `\(orderID)`")
        }
        let answer = fields["answer"]
        // An answer that names no known referrer ("Instagram") is kept, and is no evidence.
        var referrer: Int32?
        if !fields["referrer"].isEmpty {
            referrer = try self.referrer(fields)
        } else {
            let lowered = answer.lowercased()
            if let pattern = source.answers.first(where: { lowered.contains($0.contains) }) {
                guard let index = loader.ledgers.referrerIndex[pattern.referrer] else {
                    throw Problem(field: "answer", value: answer, reason: "the answer pattern `\(pattern.contains)` names unknown referrer `\(pattern.referrer)`")
                }
                referrer = index
            }
        }
        loader.ledgers.surveys.append(SurveyAnswer(order: orderID, at: try optionalTimestamp(fields, "at"), answer: answer,
                                                   referrer: referrer, source: reference(fields.row.line)))
        loader.accept(file)
    }

    mutating func importResolution(_ fields: Fields) throws {
        let orderID = try required(fields, "order", what: "order id")
        guard loader.orderPosition[orderID] != nil else {
            throw Problem(field: "order", value: orderID, reason: "resolution for an unknown order `\(orderID)`")
        }
        guard let action = Resolution.Action(rawValue: fields["action"].lowercased()) else {
            throw Problem(field: "action", value: fields["action"], reason: "the action is `release` or `reject`")
        }
        let who = try required(fields, "who", what: "name of who resolved it")
        var referrer: String?
        if !fields["referrer"].isEmpty {
            _ = try self.referrer(fields)
            referrer = fields["referrer"]
        }
        let earlier = loader.ledgers.resolutions[orderID] ?? []
        if let clash = earlier.first(where: { $0.referrer == referrer }) {
            throw Problem(field: "order", value: orderID, reason: "order `\(orderID)` is already resolved on line \(clash.source.line)")
        }
        loader.ledgers.resolutions[orderID, default: []].append(Resolution(
            order: orderID, referrer: referrer, action: action, who: who, note: fields["note"], at: try optionalTimestamp(fields, "at"),
            source: reference(fields.row.line)))
        loader.accept(file)
    }

    mutating func importRate(_ fields: Fields) throws {
        guard let date = FieldText.date(fields["date"]) else {
            throw Problem(field: "date", value: fields["date"], reason: "`\(fields["date"])` is not a date (YYYY-MM-DD)")
        }
        let code = fields["currency"].uppercased()
        guard Currency(code: code) != nil else {
            throw Problem(field: "currency", value: fields["currency"], reason: "unknown currency `\(fields["currency"])`")
        }
        guard let rate = ExactDecimal(fields["rate"]), rate.significand > 0 else {
            throw Problem(field: "rate", value: fields["rate"], reason: "`\(fields["rate"])` is not a positive rate")
        }
        let key = "\(code) \(date)"
        if let existing = loader.ledgers.fxIndex[key] {
            let first = loader.ledgers.fxRates[existing]
            if first.rate == rate {
                loader.reject(file, fields.row.line, column: "", value: "", reason: "same rate as line \(first.source.line), skipped", duplicate: true)
                return
            }
            throw Problem(field: "rate", value: fields["rate"], reason: "a different \(code) rate for \(date) is on line \(first.source.line)")
        }
        loader.ledgers.fxIndex[key] = loader.ledgers.fxRates.count
        loader.ledgers.fxRates.append(FXRate(date: date, currency: code, rate: rate, source: reference(fields.row.line)))
        loader.accept(file)
    }
}
