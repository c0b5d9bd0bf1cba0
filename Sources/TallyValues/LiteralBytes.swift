extension UnsafeMutableBufferPointer where Element == UInt8 {
    /// Writes the literal `text` from `offset` and returns the offset after it (the buffer
    /// must have room). Words of traces and records are put together this way, the offset
    /// passed in and out: a local function adding to a counter it captured made every
    /// write a checked access at run time (three calls into the runtime a word).
    @inlinable
    public func put(_ text: StaticString, at offset: Int) -> Int {
        let length = text.utf8CodeUnitCount
        precondition(offset >= 0 && length <= count - offset, "no room for the words")
        if text.hasPointerRepresentation {
            (baseAddress! + offset).update(from: text.utf8Start, count: length)
        } else {
            text.withUTF8Buffer { bytes in for (index, byte) in bytes.enumerated() { self[offset + index] = byte } }
        }
        return offset + length
    }
}
