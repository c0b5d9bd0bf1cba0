/// How serious a diagnostic is: errors fail `tally check` (exit 1), warnings do not.
public enum Severity: String, Sendable, Comparable {
    case error, warning, note

    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        lhs.rank < rhs.rank
    }
    private var rank: Int {
        switch self {
        case .error: return 0
        case .warning: return 1
        case .note: return 2
        }
    }
}

/// A finding about a program or a project file, as data: passes collect these and
/// one renderer prints them. `code` is stable (`syntax.expected-token`,
/// `check.unknown-field`) so editors and tests can rely on it.
public struct Diagnostic: Sendable, Equatable {
    public var severity: Severity
    public var code: String
    public var message: String
    public var span: Span
    /// Other places that explain this one (the other rule of a conflict).
    public var notes: [DiagnosticNote]
    /// What to do about it, e.g. "did you mean `last_touch`?".
    public var help: String?

    public init(_ severity: Severity, _ code: String, _ message: String, at span: Span,
                notes: [DiagnosticNote] = [], help: String? = nil) {
        self.severity = severity
        self.code = code
        self.message = message
        self.span = span
        self.notes = notes
        self.help = help
    }

    public static func error(_ code: String, _ message: String, at span: Span,
                             notes: [DiagnosticNote] = [], help: String? = nil) -> Diagnostic {
        Diagnostic(.error, code, message, at: span, notes: notes, help: help)
    }

    public static func warning(_ code: String, _ message: String, at span: Span,
                               notes: [DiagnosticNote] = [], help: String? = nil) -> Diagnostic {
        Diagnostic(.warning, code, message, at: span, notes: notes, help: help)
    }
}

/// A secondary message attached to a diagnostic, optionally pointing at source.
public struct DiagnosticNote: Sendable, Equatable {
    public var message: String
    public var span: Span?
    public init(_ message: String, at span: Span? = nil) {
        self.message = message
        self.span = span
    }
}

extension Array where Element == Diagnostic {
    /// True when any diagnostic is an error.
    public var hasErrors: Bool { contains { $0.severity == .error } }

    /// Sorted by file, position, then severity, so output never depends on pass order.
    public func sortedForDisplay() -> [Diagnostic] {
        enumerated().sorted { a, b in
            let x = a.element, y = b.element
            if x.span.file.path != y.span.file.path { return x.span.file.path < y.span.file.path }
            if x.span.start != y.span.start { return x.span.start < y.span.start }
            if x.severity != y.severity { return x.severity < y.severity }
            return a.offset < b.offset
        }.map(\.element)
    }
}
