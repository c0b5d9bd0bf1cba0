import TallyPlan
import TallySource
import TallyValues

/// Amounts, dates and instants written into a record in place, with the text their
/// `description` gives (README, "Canonical JSON"): a record holds a dozen of them, and
/// making a `String` of each was a sixth of rendering it.
extension JSONWriter {
    /// Instants whose year has four digits (0000-01-01 to 9999-12-31): the others are
    /// written as `Value.timestampText` words them.
    private static let fourDigitYears: ClosedRange<Int64> = -62_167_219_200...253_402_300_799

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
        guard digits > 0 else {
            string(name, amount.description)
            return
        }
        ascii(name, length: amount.textLength) { amount.write(into: $0) }
    }
}
