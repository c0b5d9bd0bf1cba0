/// Prints diagnostics for people: `file:line:col: error: message [code]`, the source
/// line with a caret under the span, notes and a `help:` line. Colour only when asked
/// (the CLI asks when stderr is a terminal).
public struct DiagnosticRenderer: Sendable {
    public var colour: Bool

    public init(colour: Bool = false) {
        self.colour = colour
    }

    /// All diagnostics, sorted, followed by a count line when there are any.
    public func render(_ diagnostics: [Diagnostic]) -> String {
        var out = ""
        for diagnostic in diagnostics.sortedForDisplay() {
            out += render(diagnostic)
        }
        return out
    }

    /// A one-line tally such as `2 errors, 1 warning`.
    public static func summary(_ diagnostics: [Diagnostic]) -> String {
        let errors = diagnostics.filter { $0.severity == .error }.count
        let warnings = diagnostics.filter { $0.severity == .warning }.count
        func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
        return "\(plural(errors, "error")), \(plural(warnings, "warning"))"
    }

    public func render(_ diagnostic: Diagnostic) -> String {
        let span = diagnostic.span
        let file = span.file
        let location = file.location(of: span.start)
        var out = paint("\(file.path):\(location.line):\(location.column): ", bold: true)
        out += paint("\(diagnostic.severity.rawValue):", colour: diagnostic.severity == .error ? "31" : "33", bold: true)
        out += " " + paint(diagnostic.message, bold: true) + " [\(diagnostic.code)]\n"
        out += excerpt(span, marker: "^")
        for note in diagnostic.notes {
            if let noteSpan = note.span {
                let where_ = noteSpan.file.location(of: noteSpan.start)
                out += "  note: \(note.message) (\(noteSpan.file.path):\(where_.line):\(where_.column))\n"
                out += excerpt(noteSpan, marker: "-")
            } else {
                out += "  note: \(note.message)\n"
            }
        }
        if let help = diagnostic.help {
            out += "  " + paint("help:", colour: "36", bold: true) + " \(help)\n"
        }
        return out
    }

    /// The span's first line with a gutter and a marker line under the span; the marker
    /// is measured in characters so non-ASCII text lines up.
    private func excerpt(_ span: Span, marker: Character) -> String {
        let file = span.file
        let start = file.location(of: span.start)
        let lineText = file.lineText(start.line)
        let lineStart = file.offset(ofLine: start.line)
        let lineEnd = lineStart + Array(lineText.utf8).count
        let end = min(max(span.end, span.start), lineEnd)
        let width = max(1, String(decoding: file.bytes[min(span.start, lineEnd)..<max(min(span.start, lineEnd), end)], as: UTF8.self).count)
        let number = String(start.line)
        let gutter = String(repeating: " ", count: number.count)
        let shown = lineText.replacingTabs()
        let indent = String(lineText.prefix(start.column - 1)).replacingTabs().count
        var out = "\(gutter) |\n"
        out += "\(number) | \(shown)\n"
        out += "\(gutter) | " + String(repeating: " ", count: indent)
        out += paint(String(repeating: marker, count: width), colour: marker == "^" ? "31" : "34", bold: true) + "\n"
        return out
    }

    private func paint(_ text: String, colour code: String? = nil, bold: Bool = false) -> String {
        guard colour else { return text }
        var codes: [String] = []
        if bold { codes.append("1") }
        if let code { codes.append(code) }
        return "\u{1B}[\(codes.joined(separator: ";"))m\(text)\u{1B}[0m"
    }
}

private extension String {
    /// Tabs shown as single spaces so the caret line stays aligned.
    func replacingTabs() -> String {
        String(map { $0 == "\t" ? " " : $0 })
    }
}
