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

    /// `older than the lookback: AGE before the order, lookback LOOKBACK`, the words of
    /// `TouchTrace.excluded` for such a click, written in place (plain ASCII).
    mutating func beyondLookback(_ name: StaticString?, age: Int64, lookback: Int64) {
        let length = 64 + 2 * Value.durationCapacity
        ascii(name, length: length) { buffer in
            var count = 0
            func put(_ text: StaticString) {
                text.withUTF8Buffer { for byte in $0 { buffer[count] = byte; count += 1 } }
            }
            func duration(_ seconds: Int64) {
                count += Value.durationBytes(seconds, into: UnsafeMutableBufferPointer(rebasing: buffer[count...]))
            }
            put("older than the lookback: ")
            duration(age)
            put(" before the order, lookback ")
            duration(lookback)
            return count
        }
    }
}
