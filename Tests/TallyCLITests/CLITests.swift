import Foundation
import XCTest

/// End-to-end: the real `tally` binary, its stdout, stderr and exit code.
final class CLITests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The built `tally` executable next to the test bundle.
    private var binary: URL {
        var directory = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent("tally")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return Self.repository.appendingPathComponent(".build/debug/tally")
    }

    struct Outcome {
        var stdout: String
        var stderr: String
        var status: Int32
    }

    private func tally(_ arguments: [String], in directory: URL = CLITests.repository, environment extra: [String: String] = [:]) throws -> Outcome {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        environment.merge(extra) { $1 }
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self),
                       status: process.terminationStatus)
    }

    private func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    func testCheckOfTheExampleRulesIsSilent() throws {
        let outcome = try tally(["check", "rules/"])
        XCTAssertEqual(outcome.stdout, "")
        XCTAssertEqual(outcome.stderr, "")
        XCTAssertEqual(outcome.status, 0)
    }

    func testBrokenFileGetsEveryErrorWithPositionCaretAndHint() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
            program "Broken"
            currency USD
            timezone "America/New_York"

            rule base {
              when referrer.knd == "influencer"
              pay 8% of credit.net
            }

            rule big {
              when order.net > 2000
              pay 5 USD
            }
            """.write(to: folder.appendingPathComponent("broken.tally"), atomically: true, encoding: .utf8)
        let outcome = try tally(["check", "broken.tally"], in: folder)
        XCTAssertEqual(outcome.status, 1)
        XCTAssertEqual(outcome.stderr, """
            broken.tally:6:17: error: `referrer` has no field `knd` [check.unknown-field]
              |
            6 |   when referrer.knd == "influencer"
              |                 ^^^
              help: did you mean `kind`?
            broken.tally:11:20: error: cannot compare money with a number [check.type-mismatch]
               |
            11 |   when order.net > 2000
               |                    ^^^^
              help: write `2000 USD` to compare money
            2 errors, 0 warnings

            """)
    }

    func testJSONFormatForEditors() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try "program \"p\"\ncurrency USD\ntimezone \"UTC\"\nattribution {\n  model last_tuch\n}\n"
            .write(to: folder.appendingPathComponent("m.tally"), atomically: true, encoding: .utf8)
        let outcome = try tally(["check", "--format", "json", "m.tally"], in: folder)
        XCTAssertEqual(outcome.status, 1)
        let parsed = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any]
        let diagnostics = parsed?["diagnostics"] as? [[String: Any]]
        XCTAssertEqual(diagnostics?.count, 1)
        XCTAssertEqual(diagnostics?.first?["code"] as? String, "check.unknown-model")
        XCTAssertEqual(diagnostics?.first?["line"] as? Int, 5)
        XCTAssertEqual(diagnostics?.first?["column"] as? Int, 9)
        XCTAssertEqual(diagnostics?.first?["help"] as? String, "did you mean `last_touch`?")
        XCTAssertEqual(parsed?["errors"] as? Int, 1)
    }

    func testMissingPathIsAUsageError() throws {
        let outcome = try tally(["check", "no/such/folder"])
        XCTAssertEqual(outcome.status, 2)
        XCTAssertTrue(outcome.stderr.contains("cannot read `no/such/folder`"), outcome.stderr)
        let usage = try tally(["check", "--format", "yaml", "rules"])
        XCTAssertEqual(usage.status, 2)
        XCTAssertTrue(usage.stderr.contains("yaml"), usage.stderr)
    }

    func testFmtCheckAndRewrite() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("a.tally")
        try "program   \"p\"\nrule r{pay 1 USD}  # one\n".write(to: file, atomically: true, encoding: .utf8)

        let check = try tally(["fmt", "--check", "a.tally"], in: folder)
        XCTAssertEqual(check.status, 1)
        XCTAssertEqual(check.stdout, "not formatted: a.tally\n")

        let rewrite = try tally(["fmt", "a.tally"], in: folder)
        XCTAssertEqual(rewrite.status, 0)
        XCTAssertEqual(try String(contentsOf: file, encoding: .utf8), "program \"p\"\n\nrule r {\n  pay 1 USD  # one\n}\n")
        XCTAssertEqual(try tally(["fmt", "--check", "a.tally"], in: folder).status, 0)
        XCTAssertEqual(try tally(["fmt", "--check", "rules/"]).status, 0, "the repository's rules are canonical")
    }

    func testFmtRefusesFilesWithSyntaxErrors() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("bad.tally")
        try "rule r {\n  pay\n}\n".write(to: file, atomically: true, encoding: .utf8)
        let outcome = try tally(["fmt", "bad.tally"], in: folder)
        XCTAssertEqual(outcome.status, 1)
        XCTAssertTrue(outcome.stderr.contains("bad.tally:3:1: error: expected an amount"), outcome.stderr)
        XCTAssertEqual(try String(contentsOf: file, encoding: .utf8), "rule r {\n  pay\n}\n", "left untouched")
    }

    func testRunExplainPlanAndVerifyTheExample() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try tally(["run", "examples/acme", "--out", folder.path])
        XCTAssertEqual(run.status, 1, "the example holds deliberately bad rows")
        XCTAssertTrue(run.stdout.contains("clicks.csv              153       147         6  (1 duplicate)"), run.stdout)
        XCTAssertTrue(run.stdout.contains("orders: 59 processed, 2 cancelled, 9 unattributed"), run.stdout)
        XCTAssertTrue(run.stderr.contains("9 rows rejected"), run.stderr)
        for name in ["decisions.jsonl", "statements.csv", "rejects.csv", "summary.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path), name)
        }
        let again = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: again) }
        _ = try tally(["run", "examples/acme", "--out", again.path])
        for name in ["decisions.jsonl", "statements.csv", "rejects.csv", "summary.json"] {
            XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent(name)), try Data(contentsOf: again.appendingPathComponent(name)),
                           "\(name) is byte-identical across runs")
        }

        let explain = try tally(["explain", "#1018", "--out", folder.path])
        XCTAssertEqual(explain.status, 0)
        XCTAssertTrue(explain.stdout.contains("excluded: older than the lookback: 30 days 1 second before the order"), explain.stdout)
        let unknown = try tally(["explain", "#10188", "--out", folder.path])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("order `#10188` has no decision"), unknown.stderr)

        let plan = try tally(["plan", "examples/acme"])
        XCTAssertEqual(plan.status, 0)
        XCTAssertTrue(plan.stdout.contains("6. rules (17); candidates by referrer.kind:"), plan.stdout)

        let verify = try tally(["verify", "examples/acme", "--out", folder.path])
        XCTAssertEqual(verify.status, 0, verify.stdout)
        XCTAssertTrue(verify.stdout.contains("hash chain intact"), verify.stdout)
    }

    func testRunWithoutAProjectIsAUsageError() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let outcome = try tally(["run"], in: folder)
        XCTAssertEqual(outcome.status, 2)
        XCTAssertTrue(outcome.stderr.contains("has no tally.yaml"), outcome.stderr)
        let badAsOf = try tally(["run", "examples/acme", "--as-of", "yesterday", "--out", folder.path])
        XCTAssertEqual(badAsOf.status, 2)
        XCTAssertTrue(badAsOf.stderr.contains("`--as-of yesterday` is not a date or timestamp"), badAsOf.stderr)
        let badTrace = try tally(["run", "examples/acme", "--trace", "some", "--out", folder.path])
        XCTAssertEqual(badTrace.status, 2)
        XCTAssertTrue(badTrace.stderr.contains("--trace"), badTrace.stderr)
    }

    func testRunWithALesserTraceVerifies() throws {
        let project = try acmeCopy()
        defer { try? FileManager.default.removeItem(at: project.deletingLastPathComponent()) }
        let run = try tally(["run", project.path, "--trace", "decisive"])
        XCTAssertEqual(run.status, 1, run.stderr)  // the example's deliberately bad rows
        let header = try String(contentsOf: project.appendingPathComponent("out/decisions.jsonl"), encoding: .utf8).prefix { $0 != "\n" }
        XCTAssertTrue(header.contains("\"trace\":\"decisive\""), String(header))
        let verify = try tally(["verify", project.path])
        XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
    }

    /// A copy of examples/acme whose program path works from the copy.
    private func acmeCopy() throws -> URL {
        let folder = try temporaryFolder()
        let project = folder.appendingPathComponent("acme")
        try FileManager.default.copyItem(at: Self.repository.appendingPathComponent("examples/acme"), to: project)
        try? FileManager.default.removeItem(at: project.appendingPathComponent("out"))
        let yaml = project.appendingPathComponent("tally.yaml")
        try String(contentsOf: yaml, encoding: .utf8)
            .replacingOccurrences(of: "../../rules/", with: Self.repository.appendingPathComponent("rules").path + "/")
            .write(to: yaml, atomically: true, encoding: .utf8)
        return project
    }

    func testTokensIssuedWithAKeyFromTheEnvironmentAreAcceptedAndForgedOnesRejected() throws {
        let project = try acmeCopy()
        defer { try? FileManager.default.removeItem(at: project.deletingLastPathComponent()) }
        let yaml = project.appendingPathComponent("tally.yaml")
        try String(contentsOf: yaml, encoding: .utf8).replacingOccurrences(of: "file: keys/acme-2026-05.key", with: "env: ACME_TEST_TOKEN_KEY")
            .write(to: yaml, atomically: true, encoding: .utf8)
        let key = try String(contentsOf: project.appendingPathComponent("keys/acme-2026-05.key"), encoding: .utf8)
        let environment = ["ACME_TEST_TOKEN_KEY": key]
        let issued = try tally(["token", "issue", project.path, "--referrer", "R-GEARLAB", "--campaign", "reviews-evergreen"], environment: environment)
        XCTAssertEqual(issued.status, 0, issued.stderr)
        let token = issued.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(token.hasPrefix("tly1.acme-2026-05."), token)
        let inspect = try tally(["token", "inspect", token, "--project", project.path], environment: environment)
        XCTAssertEqual(inspect.stdout, "valid: referrer R-GEARLAB, campaign reviews-evergreen, no expiry, signed with key acme-2026-05\n")
        let forged = String(token.dropLast(3)) + (token.hasSuffix("AAA") ? "BBB" : "AAA")
        XCTAssertEqual(try tally(["token", "inspect", forged, "--project", project.path], environment: environment).status, 1)
        let clicks = project.appendingPathComponent("clicks.csv")
        let rows = "clk-20001,2026-05-02T10:00:00Z,,,blog,reviews-evergreen,,,,,,,,,\(token)\nclk-20002,2026-05-02T11:00:00Z,R-GEARLAB,,blog,,,,,,,,,,\(forged)\n"
        try (String(contentsOf: clicks, encoding: .utf8) + rows).write(to: clicks, atomically: true, encoding: .utf8)
        let run = try tally(["run", project.path], environment: environment)
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stdout.contains("clicks.csv              155       148         7"), run.stdout)
        let rejects = try String(contentsOf: project.appendingPathComponent("out/rejects.csv"), encoding: .utf8)
        XCTAssertTrue(rejects.contains("clicks.csv,156,token,\(forged),the tracking token is forged: its signature does not match its content"), rejects)
        XCTAssertFalse(rejects.contains("clicks.csv,155,"), "the issued token is accepted")
        // Without the variable the key cannot be read: a diagnostic, exit 1.
        let missing = try tally(["run", project.path])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("the token key `acme-2026-05` cannot be read: the environment variable `ACME_TEST_TOKEN_KEY` is not set"), missing.stderr)
        XCTAssertEqual(try tally(["token", "issue", project.path, "--referrer", "R-NOBODY"], environment: environment).status, 1)
    }

    func testCloseThenVerify() throws {
        let project = try acmeCopy()
        defer { try? FileManager.default.removeItem(at: project.deletingLastPathComponent()) }
        let close = try tally(["close", project.path, "--period", "2026-03"])
        XCTAssertEqual(close.status, 0, close.stderr)
        XCTAssertTrue(close.stdout.hasPrefix("closed up to 2026-03: "), close.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: project.appendingPathComponent("paid.jsonl").path))
        let verify = try tally(["verify", project.path])
        XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
        let again = try tally(["close", project.path, "--period", "2026-02"])
        XCTAssertEqual(again.status, 2)
        XCTAssertTrue(again.stderr.contains("2026-02 is already closed"), again.stderr)
    }
}
