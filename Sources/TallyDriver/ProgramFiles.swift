import Foundation
import TallySource
import TallySyntax

/// The `.tally` files named on a command line, read and parsed once, grouped into
/// programs: a file with a `program` header is a root, and the files it includes
/// (transitively) belong to it. A file nobody includes and without a header is
/// checked on its own, so its mistakes are not missed.
public struct ProgramFiles {
    /// Each program: its parsed files, the root first.
    public var programs: [[SourceProgram]] = []
    /// Syntax errors, unreadable files, include problems.
    public var diagnostics: [Diagnostic] = []
    /// Paths that could not be read at all (exit code 2).
    public var unreadable: [String] = []

    private var parsed: [String: SourceProgram] = [:]
    private var order: [String] = []

    /// Collects `.tally` files from files and folders (folders recursively, sorted).
    public static func collect(_ paths: [String]) -> (files: [String], missing: [String]) {
        var files: [String] = []
        var missing: [String] = []
        let manager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                missing.append(path)
                continue
            }
            if isDirectory.boolValue {
                let enumerator = manager.enumerator(atPath: path)
                var found: [String] = []
                while let entry = enumerator?.nextObject() as? String {
                    if entry.hasSuffix(".tally") { found.append((path as NSString).appendingPathComponent(entry)) }
                }
                files += found.sorted()
            } else {
                files.append(path)
            }
        }
        var seen = Set<String>()
        return (files.filter { seen.insert(normalise($0)).inserted }, missing)
    }

    static func normalise(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// Reads and groups the files at `paths` (files or folders).
    public static func load(_ paths: [String]) -> ProgramFiles {
        var result = ProgramFiles()
        let (files, missing) = collect(paths)
        result.unreadable = missing
        for file in files { result.parse(file) }
        // Roots first, in path order; then includes are followed from each root.
        var claimed = Set<String>()
        for key in result.order where result.isRoot(key) {
            var group: [SourceProgram] = []
            result.follow(key, chain: [], into: &group, claimed: &claimed)
            result.programs.append(group)
        }
        for key in result.order where !claimed.contains(key) {
            var group: [SourceProgram] = []
            result.follow(key, chain: [], into: &group, claimed: &claimed)
            result.programs.append(group)
        }
        return result
    }

    private func isRoot(_ key: String) -> Bool {
        parsed[key]?.declarations.contains { if case .program = $0 { return true }; return false } ?? false
    }

    @discardableResult
    private mutating func parse(_ path: String) -> String? {
        let key = ProgramFiles.normalise(path)
        if parsed[key] != nil { return key }
        guard let data = FileManager.default.contents(atPath: path) else {
            unreadable.append(path)
            return nil
        }
        let source = SourceFile(path: path, contents: [UInt8](data))
        let (program, diagnostics) = Parser.parse(source)
        parsed[key] = program
        order.append(key)
        self.diagnostics += diagnostics
        return key
    }

    private mutating func follow(_ key: String, chain: [String], into group: inout [SourceProgram], claimed: inout Set<String>) {
        guard let program = parsed[key] else { return }
        if group.contains(where: { ProgramFiles.normalise($0.file.path) == key }) { return }
        group.append(program)
        claimed.insert(key)
        for declaration in program.declarations {
            guard case .include(let literal, _) = declaration else { continue }
            let directory = (program.file.path as NSString).deletingLastPathComponent
            let target = literal.value.hasPrefix("/") ? literal.value : (directory as NSString).appendingPathComponent(literal.value)
            let targetKey = ProgramFiles.normalise(target)
            if targetKey == key || chain.contains(targetKey) {
                diagnostics.append(.error("check.include-cycle", "`\(literal.value)` includes itself through this line", at: literal.span,
                                          help: "a file may be included once; remove this include"))
                continue
            }
            guard FileManager.default.fileExists(atPath: target) else {
                diagnostics.append(.error("check.include-not-found", "cannot find `\(literal.value)`", at: literal.span,
                                          help: "include paths are relative to this file's folder (`\(directory.isEmpty ? "." : directory)`)"))
                continue
            }
            guard let parsedKey = parse(target) else {
                diagnostics.append(.error("check.include-not-found", "cannot read `\(literal.value)`", at: literal.span))
                continue
            }
            follow(parsedKey, chain: chain + [key], into: &group, claimed: &claimed)
        }
    }
}
