/// Every field a rule can read, resolved at compile time: the runner reads a slot,
/// never a name.
public enum FieldSlot: Sendable, Equatable, Hashable {
    case order(OrderField)
    case customer(CustomerField)
    case referrer(ReferrerField)
    /// An extra referrer column, by its position in `referrer fields`.
    case referrerExtra(Int)
    case touch(TouchField)
    case credit(CreditField)
    case line(LineField)
    /// The order's customer, through `order.customer.FIELD`.
    case orderCustomer(CustomerField)
    /// The touch's referrer, through `touch.referrer.FIELD`.
    case touchReferrer(ReferrerField)
}

/// Fields of `order`, by the names rule files use.
public enum OrderField: String, Sendable, CaseIterable {
    case id, at, date, channel, marketplace, status, currency, gross, discount, net, shipping, tax
    case giftWrap = "gift_wrap", promoCodes = "promo_codes", coupon, itemCount = "item_count"
}

/// Fields of `customer`.
public enum CustomerField: String, Sendable, CaseIterable {
    case id, email
    case isNew = "is_new", orderCount = "order_count", isReturning = "is_returning", firstOrderAt = "first_order_at"
}

/// Built-in fields of `referrer` (extra columns are `FieldSlot.referrerExtra`).
public enum ReferrerField: String, Sendable, CaseIterable {
    case id, name, kind, tier, email, status, joined
}

/// Fields of `touch` (`click`).
public enum TouchField: String, Sendable, CaseIterable {
    case id, evidence, at, channel, campaign, ip, device
    case utmSource = "utm_source", utmMedium = "utm_medium", utmCampaign = "utm_campaign", utmContent = "utm_content"
    case utmTerm = "utm_term", landingURL = "landing_url", code, signed
}

/// Fields of `credit`: the referrer's share and its part of the order's money.
public enum CreditField: String, Sendable, CaseIterable {
    case share, weight, evidence, net, gross, discount, shipping, tax
    case giftWrap = "gift_wrap"
}

/// Fields of `line` in `per line` / `per unit` clauses.
public enum LineField: String, Sendable, CaseIterable {
    case sku, asin, category, name, qty, price, amount, discount, net
}
