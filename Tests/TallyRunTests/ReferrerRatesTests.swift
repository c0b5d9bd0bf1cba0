import TallyPlan
@testable import TallyRun
import TallyValues
import XCTest

/// A pay clause's rate is remembered per referrer only when it reads nothing but the
/// referrer: anything that can differ between two decisions of one referrer (the order,
/// the credit, the touch, an aggregate, the customer's history) must be evaluated each time.
final class ReferrerRatesTests: XCTestCase {
    func testOnlyRatesThatReadTheReferrerAloneAreRemembered() {
        let kind = Code.field(.referrer(.kind)), tier = Code.field(.referrer(.tier))
        let remembered: [Code] = [
            .constant(.percent(ExactDecimal(significand: 10, scale: 0))),
            .lookup(0, [kind, tier]),
            .field(.referrerExtra(0)),
            .compare(.equal, kind, .constant(.string("influencer"))),
            .call(.lower, [kind]),
            .labelled(.not(.member(tier, .list([.constant(.string("gold"))]), negated: false)), "tier"),
        ]
        let evaluatedEachTime: [Code] = [
            .field(.credit(.net)),
            .field(.touchReferrer(.kind)),
            .field(.order(.channel)),
            .field(.customer(.isNew)),
            .isNewWithin(86_400),
            .aggregate(0, key: kind),
            .lookup(0, [kind, .field(.order(.channel))]),
            .arithmetic(.add, .field(.referrerExtra(0)), .field(.line(.qty))),
        ]
        for code in remembered { XCTAssertTrue(ReferrerRates.readsReferrerOnly(code), "\(code)") }
        for code in evaluatedEachTime { XCTAssertFalse(ReferrerRates.readsReferrerOnly(code), "\(code)") }
    }
}
