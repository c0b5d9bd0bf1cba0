import Foundation
import TallyAudit

/// `tally verify`: the hash chain of `decisions.jsonl` is intact, and re-deriving the
/// decisions from the inputs and rules gives the same file.
public struct Verification {
    public var text: String
    public var exitCode: Int32

    public static func verify(project: String, output: String?) -> Verification {
        let run = ProjectRun.run(project, output: output, write: false, keepTraces: false)
        if let problem = run.load.usageError ?? run.usageError { return Verification(text: "tally verify: \(problem)\n", exitCode: 2) }
        guard let folder = output ?? run.load.loaded?.project.output, let outputs = run.outputs else {
            return Verification(text: "tally verify: the project does not load; run `tally check`\n", exitCode: 1)
        }
        let path = (folder as NSString).appendingPathComponent("decisions.jsonl")
        guard let data = FileManager.default.contents(atPath: path) else {
            return Verification(text: "tally verify: no decisions at `\(path)`\n", exitCode: 2)
        }
        let written = String(decoding: data, as: UTF8.self)
        let lines = written.split(separator: "\n").map(String.init)
        if let broken = DecisionLog.firstBreak(lines) {
            return Verification(text: "\(path):\(broken.line): the hash chain is broken: \(broken.reason)\n", exitCode: 1)
        }
        if written != outputs.decisions {
            let fresh = outputs.decisions.split(separator: "\n").map(String.init)
            let index = zip(lines, fresh).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(lines.count, fresh.count)
            return Verification(text: "\(path):\(index + 1): the chain is intact, but re-deriving the decisions from the inputs and rules gives a different record here (inputs or rules changed since the run)\n", exitCode: 1)
        }
        return Verification(text: "\(path): \(lines.count) records, hash chain intact, re-derived from inputs and rules: identical\n", exitCode: 0)
    }
}
