import TallyPlan
import TallyRun
import TallySource
import TallyValues

/// The version of Tally written into every run's header.
public enum TallyVersion {
    public static let current = "0.3.0"
}

/// The first record of `decisions.jsonl`: which Tally, which rules, which inputs and
/// which parameters produced the records after it. `tally verify` checks the files at
/// hand against it and re-runs with its parameters.
public struct RunHeader: Sendable {
    public var program: String
    /// Each rule file by name, and the rules version (their manifest digest).
    public var rules: [FileDigest]
    public var rulesVersion: String
    /// Each ledger file: which ledger, its path relative to the project, its digest.
    public var inputs: [(ledger: String, file: FileDigest)]
    public var inputsDigest: String
    public var asOf: Timestamp
    /// Where the as-of instant came from: `--as-of`, `latest event` (of the ledgers) or
    /// `end of closed months` (the latest event was earlier).
    public var asOfSource: String
    /// The fingerprint of the redaction key when personal identifiers were replaced by
    /// pseudonyms (`--redact`), nil otherwise.
    public var redactionKey: String?
    public var redacted: Bool { redactionKey != nil }
    /// The token keys the clicks were checked with: id and fingerprint.
    public var tokenKeys: [(id: String, fingerprint: String)]
    /// How much of each decision's explanation the records carry (`--trace`).
    public var traceDetail: TraceDetail

    public init(program: String, rules: [FileDigest], rulesVersion: String, inputs: [(ledger: String, file: FileDigest)],
                asOf: Timestamp, asOfSource: String, redactionKey: String?, tokenKeys: [(id: String, fingerprint: String)],
                traceDetail: TraceDetail = .full) {
        self.program = program
        self.rules = rules
        self.rulesVersion = rulesVersion
        self.inputs = inputs
        self.inputsDigest = Digest.manifest(inputs.map(\.file))
        self.asOf = asOf
        self.asOfSource = asOfSource
        self.redactionKey = redactionKey
        self.tokenKeys = tokenKeys
        self.traceDetail = traceDetail
    }

    func members(plan: Plan) -> [(String, JSON)] {
        func digest(_ file: FileDigest) -> JSON { file.sha256.map(JSON.string) ?? .null }
        return [
            ("type", .string("header")), ("format", .string("tally-decisions/1")), ("tally_version", .string(TallyVersion.current)),
            ("program", .string(program)), ("currency", .string(plan.currency.code)), ("timezone", .string(plan.clock.zone.identifier)),
            ("rules_version", .string(rulesVersion)),
            ("rules", .array(rules.map { .object([("file", .string($0.name)), ("sha256", digest($0))]) })),
            ("inputs_digest", .string(inputsDigest)),
            ("inputs", .array(inputs.map { .object([("ledger", .string($0.ledger)), ("file", .string($0.file.name)), ($0.file.method.rawValue, digest($0.file))]) })),
            ("parameters", .object([("as_of", .string(Value.timestampText(asOf))),
                                    ("as_of_from", .string(asOfSource)),
                                    ("trace", .string(traceDetail.rawValue)),
                                    ("redact", .bool(redacted)),
                                    ("redaction_key", redactionKey.map(JSON.string) ?? .null),
                                    ("token_keys", .array(tokenKeys.map { .object([("id", .string($0.id)), ("fingerprint", .string($0.fingerprint))]) }))])),
        ]
    }
}
