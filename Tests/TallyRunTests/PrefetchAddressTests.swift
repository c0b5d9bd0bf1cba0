@testable import TallyLedgers
@testable import TallyRun
import TallyValues
import XCTest

/// The runner asks for an order's lines ahead by reading the lines array's address as a
/// raw word of the order (`Runner.prefetchLines`): were `Order`'s layout to change, that
/// word would no longer be the array's storage, and the prefetch would ask for the wrong
/// memory (harmless, but no longer of use).
final class PrefetchAddressTests: XCTestCase {
    func testTheWordReadForAnOrdersLinesIsTheirStorage() {
        let line = OrderLine(sku: "S", asin: "", category: "", name: "", quantity: 1, price: 500, amount: 500, discount: 0,
                             source: RowReference(file: 0, line: 2))
        var order = Order(id: "1", at: Timestamp(secondsSinceEpoch: 0), customer: "c", email: "", channel: "", marketplace: "",
                          status: "shipped", currency: Currency(code: "USD")!, lines: [line, line], shipping: 0, tax: 0, giftWrap: 0,
                          orderDiscount: 0, promoCodes: [], source: RowReference(file: 0, line: 2))
        let storage = order.lines.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress!) - 32 }
        withUnsafePointer(to: &order) { pointer in
            XCTAssertEqual(UnsafeRawPointer(pointer).load(fromByteOffset: Runner.orderLinesOffset, as: UnsafeRawPointer.self), storage)
        }
    }
}
