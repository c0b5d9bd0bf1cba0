import TallyValues

/// Reading typed values from the text of one field. Each function returns the value
/// or the reason it could not be read, worded for a rejects file.
public enum FieldText {
    static let months = ["jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
                         "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12]

    /// An instant. ISO-8601 with `Z` or an offset is exact; a local date-time without an
    /// offset, or a date alone (midnight), is read in the program's time zone. Also
    /// accepted: `2026-03-14 18:22:05 -0400` (Shopify) and `10-Jul-2025` (Amazon returns).
    public static func timestamp(_ text: String, clock: ProgramClock) -> Result<Timestamp, FieldProblem> {
        let trimmed = text.trimmedSpaces
        if trimmed.isEmpty { return .failure("no timestamp") }
        if let exact = Timestamp.parse(trimmed) { return .success(exact) }
        // `2026-03-14 18:22:05 -0400`: a space before the offset, no colon in it.
        let parts = trimmed.split(separator: " ")
        if parts.count == 3, parts[2].count == 5, parts[2].first == "-" || parts[2].first == "+" {
            let offset = parts[2]
            let text = "\(parts[0])T\(parts[1])\(offset.prefix(3)):\(offset.suffix(2))"
            if let exact = Timestamp.parse(text) { return .success(exact) }
        }
        if let date = date(trimmed) {
            return .success(clock.startOfDay(date))
        }
        // Local date-time without an offset.
        let local = trimmed.replacingOccurrences(of: " ", with: "T")
        if local.count >= 16, let date = CivilDate(iso: Substring(local.prefix(10))),
           let probe = Timestamp.parse(String(local) + "Z") {
            let seconds = probe.secondsSinceEpoch - Int64(date.daysSinceEpoch) * 86_400
            return .success(clock.instant(localDate: date, secondsIntoDay: seconds))
        }
        return .failure("`\(text)` is not a timestamp (expected ISO-8601 such as 2026-03-14T18:22:05Z)")
    }

    /// `timestamp(_:clock:)`, with the day of the instant read before remembered (see
    /// `Timestamp.parse(bytes:lastDay:)`): for a ledger's rows, read in file order.
    public static func timestamp(_ text: String, clock: ProgramClock, lastDay: inout Timestamp.LastDay) -> Result<Timestamp, FieldProblem> {
        var trimmed = text.trimmedSpaces
        if let exact = trimmed.withUTF8({ Timestamp.parse(bytes: $0, lastDay: &lastDay) }) { return .success(exact) }
        return timestamp(text, clock: clock)
    }

    /// An instant in a ledger-specific layout, e.g. `%d/%m/%Y %H:%M` or
    /// `%m/%d/%Y %I:%M %p`: `%Y` year, `%m` month, `%d` day, `%b` month name, `%H` hour,
    /// `%I` 12-hour hour with `%p` AM/PM, `%M` minute, `%S` second, `%z` offset (`-0400`
    /// or `-04:00`, else the program's time zone); other characters match themselves.
    public static func timestamp(_ text: String, format: String, clock: ProgramClock) -> Result<Timestamp, FieldProblem> {
        var year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0
        var offset: Int?
        var pm: Bool?
        let input = Array(text.trimmedSpaces)
        var position = 0
        var pattern = Array(format)[...]
        let failure = FieldProblem("`\(text)` does not match the timestamp format `\(format)`")
        func digits(_ most: Int) -> Int? {
            var value = 0, count = 0
            while count < most, position < input.count, let digit = input[position].wholeNumberValue, input[position].isASCII {
                value = value * 10 + digit
                position += 1
                count += 1
            }
            return count == 0 ? nil : value
        }
        while let character = pattern.first {
            pattern = pattern.dropFirst()
            guard character == "%", let code = pattern.first else {
                guard position < input.count, input[position] == character else { return .failure(failure) }
                position += 1
                continue
            }
            pattern = pattern.dropFirst()
            switch code {
            case "Y": guard let value = digits(4) else { return .failure(failure) }; year = value
            case "m": guard let value = digits(2) else { return .failure(failure) }; month = value
            case "d": guard let value = digits(2) else { return .failure(failure) }; day = value
            case "H", "I": guard let value = digits(2) else { return .failure(failure) }; hour = value
            case "M": guard let value = digits(2) else { return .failure(failure) }; minute = value
            case "S": guard let value = digits(2) else { return .failure(failure) }; second = value
            case "b":
                guard position + 3 <= input.count, let value = months[String(input[position..<position + 3]).lowercased()] else { return .failure(failure) }
                month = value
                position += 3
            case "p":
                guard position + 2 <= input.count else { return .failure(failure) }
                let marker = String(input[position..<position + 2]).uppercased()
                guard marker == "AM" || marker == "PM" else { return .failure(failure) }
                pm = marker == "PM"
                position += 2
            case "z":
                guard position < input.count, input[position] == "+" || input[position] == "-" || input[position] == "Z" else { return .failure(failure) }
                if input[position] == "Z" { offset = 0; position += 1; continue }
                let sign = input[position] == "-" ? -1 : 1
                position += 1
                guard let hours = digits(2) else { return .failure(failure) }
                if position < input.count, input[position] == ":" { position += 1 }
                guard let minutes = digits(2) else { return .failure(failure) }
                offset = sign * (hours * 3600 + minutes * 60)
            case "%":
                guard position < input.count, input[position] == "%" else { return .failure(failure) }
                position += 1
            default:
                return .failure(FieldProblem("the timestamp format `\(format)` has an unknown code `%\(code)`"))
            }
        }
        guard position == input.count else { return .failure(failure) }
        if let pm {
            guard (1...12).contains(hour) else { return .failure(failure) }
            hour = hour % 12 + (pm ? 12 : 0)
        }
        guard let date = CivilDate(year: year, month: month, day: day), hour < 24, minute < 60, second < 60 else {
            return .failure(FieldProblem("`\(text)` is not a real date and time"))
        }
        let seconds = Int64(hour * 3600 + minute * 60 + second)
        if let offset {
            return .success(Timestamp(secondsSinceEpoch: Int64(date.daysSinceEpoch) * 86_400 + seconds - Int64(offset)))
        }
        return .success(clock.instant(localDate: date, secondsIntoDay: seconds))
    }

    /// A calendar date: `2026-03-14` or `10-Jul-2025` / `10-Jul-25`.
    public static func date(_ text: String) -> CivilDate? {
        let trimmed = text.trimmedSpaces
        if let iso = CivilDate(iso: Substring(trimmed)) { return iso }
        let parts = trimmed.split(separator: "-")
        guard parts.count == 3, let day = Int(parts[0]), let month = months[parts[1].lowercased()],
              var year = Int(parts[2]) else { return nil }
        if parts[2].count == 2 { year += 2000 }
        return CivilDate(year: year, month: month, day: day)
    }

    /// An amount in minor units of `currency`. Accepts `12`, `12.5`, `-3.00`, `1,234.50`
    /// is refused (thousands separators are ambiguous across locales).
    public static func money(_ text: String, currency: Currency) -> Result<Int64, FieldProblem> {
        let trimmed = text.trimmedSpaces
        guard let decimal = ExactDecimal(trimmed) else {
            return .failure("`\(text)` is not an amount (write digits with a decimal point, e.g. 59.50)")
        }
        if decimal.scale > currency.minorUnits {
            // 59.500 is fine; 59.505 is not a \(currency.code) amount.
            var divisor: Int64 = 1
            for _ in 0..<(decimal.scale - currency.minorUnits) { divisor *= 10 }
            if decimal.significand % divisor != 0 {
                return .failure("`\(text)` has more decimal places than \(currency.code) allows (\(currency.minorUnits))")
            }
        }
        guard let minor = decimal.rescaled(to: currency.minorUnits) else { return .failure("`\(text)` is too large") }
        return .success(minor)
    }

    /// A whole number of items.
    public static func quantity(_ text: String) -> Result<Int64, FieldProblem> {
        let trimmed = text.trimmedSpaces
        guard let value = Int64(trimmed) else { return .failure("`\(text)` is not a whole number") }
        if value < 0 { return .failure("negative quantity \(value)") }
        return .success(value)
    }

    /// A typed extra column value.
    public static func extra(_ text: String, as type: String, currency: Currency, clock: ProgramClock) -> Result<ExtraValue, FieldProblem> {
        let trimmed = text.trimmedSpaces
        if trimmed.isEmpty { return .success(.missing) }
        switch type {
        case "string": return .success(.string(trimmed))
        case "number":
            guard let value = ExactDecimal(trimmed) else { return .failure("`\(text)` is not a number") }
            return .success(.number(value))
        case "money": return money(trimmed, currency: currency).map(ExtraValue.money)
        case "percent":
            let digits = trimmed.hasSuffix("%") ? String(trimmed.dropLast()) : trimmed
            guard let value = ExactDecimal(digits)?.rescaled(to: 2) else { return .failure("`\(text)` is not a percent (write 8% or 8)") }
            return .success(.percent(value))
        case "date":
            guard let value = date(trimmed) else { return .failure("`\(text)` is not a date (YYYY-MM-DD)") }
            return .success(.date(value))
        case "timestamp": return timestamp(trimmed, clock: clock).map(ExtraValue.timestamp)
        case "bool":
            switch trimmed.lowercased() {
            case "true", "yes", "1": return .success(.bool(true))
            case "false", "no", "0": return .success(.bool(false))
            default: return .failure("`\(text)` is not true or false")
            }
        case "duration":
            guard let seconds = Int64(trimmed) else { return .failure("`\(text)` is not a number of seconds") }
            return .success(.duration(seconds))
        default: return .failure("unknown type \(type)")
        }
    }
}

/// Why a field's text could not be read, worded for a rejects file.
public struct FieldProblem: Error, Equatable, Sendable, ExpressibleByStringInterpolation {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public init(stringLiteral value: String) { self.reason = value }
    public init(stringInterpolation: DefaultStringInterpolation) { self.reason = String(stringInterpolation: stringInterpolation) }
}

extension String {
    /// The text without leading and trailing spaces and tabs. Most fields have none, so
    /// this returns the string itself without copying (Foundation's trimming was half
    /// of the load time on the reference workload's medium data).
    var trimmedSpaces: String {
        let bytes = utf8
        guard let first = bytes.first, let last = bytes.last else { return self }
        func isSpace(_ byte: UInt8) -> Bool { byte == 32 || byte == 9 || byte == 13 }
        if !isSpace(first) && !isSpace(last) { return self }
        let start = bytes.firstIndex { !isSpace($0) } ?? bytes.endIndex
        guard start < bytes.endIndex, let end = bytes.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }
}
