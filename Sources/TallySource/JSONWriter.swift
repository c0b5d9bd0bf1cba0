/// Writes compact JSON straight into bytes, member by member, in the order called: the
/// same text `JSON.rendered()` gives for the same members, without building the tree.
/// Decision records are most of a run's output (150 MB on the reference kit's medium
/// data), and the tree's allocations were half of their rendering time.
public struct JSONWriter {
    public var bytes: [UInt8] = []
    /// Whether the container being written has no member or element yet.
    private var first = true

    public init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    private mutating func separator() {
        if !first { bytes.append(44) }
        first = false
    }

    /// Starts a member named `name` of the object being written, or an element (nil).
    /// Names are literals of plain ASCII without quotes or backslashes: written as they
    /// are, not escaped (escaping every name was a fifth of rendering decision records).
    public mutating func key(_ name: StaticString?) {
        separator()
        guard let name else { return }
        bytes.append(34)
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(34)
        bytes.append(58)
    }

    /// Starts a member whose name is text (escaped as JSON needs).
    public mutating func key(text name: String) {
        separator()
        JSON.quote(name, into: &bytes)
        bytes.append(58)
    }

    /// `{`, as a member named `name` of the object being written, or as an element.
    public mutating func beginObject(_ name: StaticString? = nil) {
        key(name)
        bytes.append(123)
        first = true
    }

    public mutating func endObject() {
        bytes.append(125)
        first = false
    }

    public mutating func beginArray(_ name: StaticString? = nil) {
        key(name)
        bytes.append(91)
        first = true
    }

    public mutating func endArray() {
        bytes.append(93)
        first = false
    }

    public mutating func string(_ name: StaticString?, _ value: String) {
        key(name)
        JSON.quote(value, into: &bytes)
    }

    /// A member whose name is text, with a string value.
    public mutating func string(key name: String, _ value: String) {
        key(text: name)
        JSON.quote(value, into: &bytes)
    }

    public mutating func optionalString(_ name: StaticString?, _ value: String?) {
        key(name)
        if let value { JSON.quote(value, into: &bytes) } else { bytes.append(contentsOf: [110, 117, 108, 108]) }
    }

    public mutating func bool(_ name: StaticString?, _ value: Bool) {
        key(name)
        bytes.append(contentsOf: value ? [116, 114, 117, 101] : [102, 97, 108, 115, 101])
    }
}
