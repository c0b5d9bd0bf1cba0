/// The fields a ledger kind has, which of them a file must have, and how a built-in
/// export's column names map onto them. Real exports are read by header name, never by
/// position: columns move between report versions.
struct Layout {
    var fields: [String]
    var required: Set<String>
    /// Their column name -> our field.
    var columns: [String: String] = [:]
    var constants: [String: String] = [:]
    /// Amazon repeats shipping and tax per item row: they add up to the order's.
    var sumsOrderAmounts = false
    var help: String

    static let orderFields = ["order", "at", "customer", "email", "channel", "marketplace", "status", "currency", "sku", "asin",
                              "category", "name", "qty", "price", "amount", "discount", "shipping", "tax", "gift_wrap",
                              "promo_codes", "ship_discount", "order_discount", "cancelled_at"]
    static let refundFields = ["id", "order", "at", "amount", "sku", "asin", "qty", "currency"]

    static func of(_ kind: LedgerKind, format: LedgerFormat, extras: [String]) -> Layout {
        switch (kind, format) {
        case (.referrers, _):
            return Layout(fields: ["id", "name", "kind", "tier", "email", "status", "joined"] + extras, required: ["id", "kind"],
                          help: "a referrers file needs `id` and `kind` columns")
        case (.products, _):
            return Layout(fields: ["sku", "category", "name", "asin"], required: ["sku"], help: "a products file needs a `sku` column")
        case (.clicks, _):
            return Layout(fields: ["id", "at", "referrer", "customer", "channel", "campaign", "ip", "device", "utm_source", "utm_medium",
                                   "utm_campaign", "utm_content", "utm_term", "landing_url", "token"],
                          required: ["at", "referrer"], help: "a clicks file needs `at` and `referrer` columns")
        case (.orders, .amazonOrders):
            return Layout(fields: orderFields, required: ["order", "at", "sku", "qty", "amount", "currency"],
                          columns: ["amazon-order-id": "order", "purchase-date": "at", "order-status": "status", "quantity": "qty",
                                    "item-price": "amount", "item-tax": "tax", "shipping-price": "shipping",
                                    "gift-wrap-price": "gift_wrap", "item-promotion-discount": "discount",
                                    "ship-promotion-discount": "ship_discount", "promotion-ids": "promo_codes",
                                    "sales-channel": "marketplace", "product-name": "name", "buyer-email": "customer"],
                          constants: ["channel": "amazon"], sumsOrderAmounts: true,
                          help: "an Amazon All Orders report needs amazon-order-id, purchase-date, sku, quantity, item-price and currency")
        case (.orders, .shopifyOrders):
            return Layout(fields: orderFields, required: ["order", "at", "qty", "price"],
                          columns: ["Name": "order", "Created at": "at", "Email": "customer", "Financial Status": "status",
                                    "Currency": "currency", "Shipping": "shipping", "Taxes": "tax", "Discount Code": "promo_codes",
                                    "Discount Amount": "order_discount", "Lineitem quantity": "qty", "Lineitem price": "price",
                                    "Lineitem sku": "sku", "Lineitem name": "name", "Lineitem discount": "discount",
                                    "Cancelled at": "cancelled_at"],
                          constants: ["channel": "shop"],
                          help: "a Shopify orders export needs Name, Created at, Lineitem quantity and Lineitem price")
        case (.orders, _):
            return Layout(fields: orderFields, required: ["order", "at", "customer"],
                          help: "an orders file needs `order`, `at` and `customer` columns, one row per order line")
        case (.refunds, .amazonReturns):
            return Layout(fields: refundFields, required: ["order", "at", "sku"],
                          columns: ["Order ID": "order", "Return request date": "at", "Merchant SKU": "sku", "ASIN": "asin",
                                    "Return quantity": "qty", "Refunded Amount": "amount", "Amazon RMA ID": "id",
                                    "Currency code": "currency"],
                          help: "an Amazon returns report needs Order ID, Return request date and Merchant SKU")
        case (.refunds, _):
            return Layout(fields: refundFields, required: ["order", "at", "amount"],
                          help: "a refunds file needs `order`, `at` and `amount` columns")
        case (.assignments, _):
            return Layout(fields: ["code", "referrer", "valid_from", "valid_until", "kind"], required: ["code", "referrer"],
                          help: "a promo assignments file needs `code` and `referrer` columns")
        case (.surveys, _):
            return Layout(fields: ["order", "answer", "at", "referrer"], required: ["order"],
                          help: "a surveys file needs an `order` column and an `answer` or `referrer` column")
        case (.resolutions, _):
            return Layout(fields: ["order", "action", "who", "note", "referrer", "at"], required: ["order", "action", "who"],
                          help: "a resolutions file needs `order`, `action` (release or reject) and `who` columns")
        case (.fx, _):
            return Layout(fields: ["date", "currency", "rate"], required: ["date", "currency", "rate"],
                          help: "an FX file needs `date`, `currency` and `rate` columns")
        }
    }
}
