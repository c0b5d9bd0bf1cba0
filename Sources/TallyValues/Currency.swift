/// An ISO 4217 currency: its three-letter code and the number of digits of its minor unit.
public struct Currency: Hashable, Sendable, CustomStringConvertible {
    /// The upper-case ISO 4217 code, e.g. `USD`.
    public let code: String
    /// Digits after the decimal point of the minor unit (2 for USD, 0 for JPY, 3 for KWD).
    public let minorUnits: Int

    /// The currency with this code, or nil when the code is not an active ISO 4217 code.
    public init?(code: String) {
        guard let digits = Currency.minorUnitsByCode[code] else { return nil }
        self.code = code
        self.minorUnits = digits
    }

    public var description: String { code }

    /// Every active code, sorted, for suggestions in diagnostics.
    public static var allCodes: [String] { minorUnitsByCode.keys.sorted() }

    // ISO 4217 list of active codes and their minor units (funds codes and
    // precious metals left out: no program pays in them).
    private static let minorUnitsByCode: [String: Int] = {
        var table: [String: Int] = [:]
        let two = """
            AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD \
            CAD CDF CHF CNY COP CRC CUP CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ \
            GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL \
            MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PEN PGK PHP PKR PLN QAR \
            RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY \
            TTD TWD TZS UAH USD UYU UZS VES WST XCD YER ZAR ZMW ZWG
            """
        for code in two.split(separator: " ") { table[String(code)] = 2 }
        for code in "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF".split(separator: " ") {
            table[String(code)] = 0
        }
        for code in "BHD IQD JOD KWD LYD OMR TND".split(separator: " ") { table[String(code)] = 3 }
        return table
    }()
}
