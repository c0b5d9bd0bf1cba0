/// Text from ledger bytes. `String(validating:as:)` is generic and, unspecialised, spent
/// most of its time looking up type metadata: 42% of loading the reference kit's medium
/// clicks. Ledger fields are nearly always ASCII, which needs no validation.
enum UTF8Text {
    /// The bytes as text, or nil when they are not valid UTF-8.
    static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var ascii = true
        for byte in bytes where byte >= 0x80 {
            ascii = false
            break
        }
        return ascii ? String(decoding: bytes, as: UTF8.self) : String(validating: bytes, as: UTF8.self)
    }
}
