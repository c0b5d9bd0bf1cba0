import Foundation
import XCTest

/// Golden files: expected output kept next to the test's input. Run the tests with
/// `TALLY_UPDATE_GOLDENS=1` to rewrite them after an intended change, then review the diff.
public enum Golden {
    /// The repository's root folder.
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The fixtures folder of the test target whose source file is `testFile`.
    /// A copy of examples/acme, with the repository's rules beside it so that its program
    /// paths hold, in a new folder under `folder`; returns the project folder.
    public static func acmeProject(in folder: URL) throws -> URL {
        let project = folder.appendingPathComponent("acme")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: repository.appendingPathComponent("examples/acme"), to: project)
        try? FileManager.default.removeItem(at: project.appendingPathComponent("out"))
        try FileManager.default.copyItem(at: repository.appendingPathComponent("rules"), to: folder.appendingPathComponent("rules"))
        let yaml = project.appendingPathComponent("tally.yaml")
        try String(contentsOf: yaml, encoding: .utf8).replacingOccurrences(of: "../../rules/", with: "../rules/")
            .write(to: yaml, atomically: true, encoding: .utf8)
        return project
    }

    public static func fixtures(of testFile: String) -> URL {
        URL(fileURLWithPath: testFile).deletingLastPathComponent().appendingPathComponent("Fixtures")
    }

    /// The files of a fixtures subfolder with the given ending, sorted.
    public static func files(in folder: String, ending suffix: String, of testFile: String = #filePath) -> [URL] {
        let directory = fixtures(of: testFile).appendingPathComponent(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(suffix) }.sorted().map { directory.appendingPathComponent($0) }
    }

    public static func assertMatches(_ actual: String, golden: URL, file: StaticString = #filePath, line: UInt = #line) {
        if ProcessInfo.processInfo.environment["TALLY_UPDATE_GOLDENS"] != nil {
            try? actual.write(to: golden, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOf: golden, encoding: .utf8) else {
            XCTFail("missing golden file \(golden.lastPathComponent); run with TALLY_UPDATE_GOLDENS=1", file: file, line: line)
            return
        }
        if expected != actual {
            let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let index = Array(zip(expectedLines, actualLines)).firstIndex { $0.0 != $0.1 } ?? min(expectedLines.count, actualLines.count)
            XCTFail("""
                \(golden.lastPathComponent) differs at line \(index + 1):
                expected: \(index < expectedLines.count ? String(expectedLines[index]) : "<end>")
                actual:   \(index < actualLines.count ? String(actualLines[index]) : "<end>")
                """, file: file, line: line)
        }
    }

    /// Every `.tally` file in the repository's rules/, examples/ and test fixtures.
    public static func repositoryPrograms() -> [URL] {
        var found: [URL] = []
        for folder in ["rules", "examples", "Tests"] {
            let root = repository.appendingPathComponent(folder)
            guard let enumerator = FileManager.default.enumerator(atPath: root.path) else { continue }
            while let entry = enumerator.nextObject() as? String {
                if entry.hasSuffix(".tally") { found.append(root.appendingPathComponent(entry)) }
            }
        }
        return found.sorted { $0.path < $1.path }
    }
}
