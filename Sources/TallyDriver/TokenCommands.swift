import Foundation
import TallyLedgers
import TallySource
import TallyValues

/// `tally token`: issue, inspect and make keys for signed tracking tokens.
public enum TokenCommands {
    /// What a token command prints and its exit code.
    public struct Outcome {
        public var text: String
        public var exitCode: Int32
    }

    /// Issues a token for a referrer of the project, signed with the first key tally.yaml
    /// lists (or the one named by `keyID`).
    public static func issue(project path: String, referrer: String, campaign: String?, expires: String?, keyID: String?) -> Outcome {
        let (project, problem) = projectFile(path)
        guard let project else { return Outcome(text: "tally token: \(problem)\n", exitCode: 2) }
        guard !project.tokenKeys.isEmpty else {
            return Outcome(text: "tally token: tally.yaml lists no token keys: add `tokens: { keys: [ { id: k1, file: keys/k1.key } ] }`\n", exitCode: 2)
        }
        guard let key = keyID.map({ id in project.tokenKeys.first { $0.id == id } }) ?? project.tokenKeys.first else {
            return Outcome(text: "tally token: no key `\(keyID!)` in tally.yaml (keys: \(project.tokenKeys.map(\.id).joined(separator: ", ")))\n", exitCode: 2)
        }
        var date: CivilDate?
        if let expires {
            guard let parsed = CivilDate(iso: Substring(expires)) else {
                return Outcome(text: "tally token: `--expires \(expires)` is not a date (write 2026-12-31: the last day the link is valid)\n", exitCode: 2)
            }
            date = parsed
        }
        let secret: [UInt8]
        switch key.secret() {
        case .success(let bytes): secret = bytes
        case .failure(let why): return Outcome(text: "tally token: the key `\(key.id)` cannot be read: \(why.words)\n", exitCode: 2)
        }
        // The referrer must exist: a token for a typo would reject every click it signs.
        var referrersOnly = project
        referrersOnly.ledgers = project.ledgers.filter { $0.kind == .referrers }
        if !referrersOnly.ledgers.isEmpty {
            let ledgers = LedgerLoader.load(referrersOnly, settings: LoadSettings(currency: Currency(code: "USD")!, clock: ProgramClock(identifier: "UTC")!, referrerExtras: []))
            if ledgers.referrerIndex[referrer] == nil {
                let known = ledgers.referrers.map(\.id)
                let hint = Suggestion.didYouMean(referrer, among: known).map { " (\($0))" } ?? ""
                return Outcome(text: "tally token: `\(referrer)` is not in the referrers ledger\(hint)\n", exitCode: 1)
            }
        }
        let token = TrackingToken(keyID: key.id, referrer: referrer, campaign: campaign, expires: date)
        return Outcome(text: token.signed(with: secret) + "\n", exitCode: 0)
    }

    /// Checks a token against the project's keys and says what it holds.
    public static func inspect(project path: String, token text: String) -> Outcome {
        let (project, problem) = projectFile(path)
        guard let project else { return Outcome(text: "tally token: \(problem)\n", exitCode: 2) }
        var keys: [String: [UInt8]] = [:]
        for key in project.tokenKeys { if case .success(let secret) = key.secret() { keys[key.id] = secret } }
        switch TrackingToken.verify(text, keys: keys) {
        case .success(let token):
            var words = "valid: referrer \(token.referrer)"
            if let campaign = token.campaign { words += ", campaign \(campaign)" }
            words += token.expires.map { ", valid through \($0)" } ?? ", no expiry"
            return Outcome(text: words + ", signed with key \(token.keyID)\n", exitCode: 0)
        case .failure(let problem):
            return Outcome(text: "not valid: \(problem.words)\n", exitCode: 1)
        }
    }

    /// A new random key: 32 bytes from the system's secure generator, in hex.
    public static func newKey() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    static func projectFile(_ path: String) -> (ProjectFile?, String) {
        let (found, problem) = ProjectLoad.projectFile(path)
        guard let file = found else { return (nil, problem) }
        let (project, diagnostics) = ProjectFile.load(file)
        guard let project else {
            return (nil, diagnostics.first.map { "\(file): \($0.message)" } ?? "cannot read `\(file)`")
        }
        return (project, "")
    }
}
