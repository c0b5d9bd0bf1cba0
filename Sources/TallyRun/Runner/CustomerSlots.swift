import Dispatch
import TallyLedgers

/// The customers who clicked, numbered in the order the run meets them: by their first
/// order, then those who never order (in the clicks table's order). Each customer's
/// clicks (`CustomerClicks`) and state (`Runner.clickingCustomers`) are kept at their
/// slot, so the run, which takes orders in time order, reads both mostly front to back.
///
/// Why: in the clicks table's numbering (by first click) a customer's entries and state
/// lie anywhere among millions, and every order waited for the page walk to reach them
/// (the runner's largest stall on the reference kit's large data). The order's slot is
/// also looked up here, on both cores before the run starts, rather than by the runner
/// for each order.
struct CustomerSlots {
    /// Per order of the ledger: its customer's slot, -1 when no click has its key.
    let ofOrder: [Int32]
    /// Per customer number of the clicks table: the customer's slot.
    let ofCustomer: [Int32]

    init(orders: UnsafeBufferPointer<Order>, clicks: ClickTable) {
        let count = orders.count
        // The clicks table's number for each order's customer key, half the orders on
        // each core (lookups only read the table).
        let numbers = UnsafeMutableBufferPointer<Int32>.allocate(capacity: max(count, 1))
        defer { numbers.deallocate() }
        let shared = SharedNumbers(orders: orders, numbers: numbers)
        let middle = count / 2
        DispatchQueue.concurrentPerform(iterations: 2) { half in
            let range = half == 0 ? 0..<middle : middle..<count
            for index in range {
                shared.numbers[index] = clicks.customerNumber(of: shared.orders[index].customer).map(Int32.init) ?? -1
            }
        }
        var ofCustomer = [Int32](repeating: -1, count: clicks.customerCount)
        var next: Int32 = 0
        ofOrder = [Int32](unsafeUninitializedCapacity: count) { slots, initialized in
            for index in 0..<count {
                let number = Int(numbers[index])
                if number < 0 {
                    slots[index] = -1
                    continue
                }
                if ofCustomer[number] < 0 {
                    ofCustomer[number] = next
                    next += 1
                }
                slots[index] = ofCustomer[number]
            }
            initialized = count
        }
        for number in ofCustomer.indices where ofCustomer[number] < 0 {
            ofCustomer[number] = next
            next += 1
        }
        self.ofCustomer = ofCustomer
    }

    /// Every customer at the slot of its number (for tests and tables without orders).
    init(identityFor customers: Int) {
        ofOrder = []
        ofCustomer = (0..<customers).map(Int32.init)
    }

    /// The orders and the numbers being written, shared by both halves' threads (each
    /// writes its own indices).
    private struct SharedNumbers: @unchecked Sendable {
        let orders: UnsafeBufferPointer<Order>
        let numbers: UnsafeMutableBufferPointer<Int32>
    }
}
