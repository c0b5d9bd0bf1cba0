import TallySource

/// A name as written, with its span.
public struct Identifier: Sendable, Equatable {
    public var name: String
    public var span: Span
    public init(_ name: String, span: Span) {
        self.name = name
        self.span = span
    }
}

/// A string literal: its value and the text as written (for the formatter).
public struct StringLiteral: Sendable, Equatable {
    public var value: String
    public var raw: String
    public var span: Span
    public init(value: String, raw: String, span: Span) {
        self.value = value
        self.raw = raw
        self.span = span
    }
}
