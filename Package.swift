// swift-tools-version:6.0
import PackageDescription

// One library per pipeline stage (see DESIGN.md, "The pipeline"); the `tally`
// executable only parses arguments and renders.
let package = Package(
    name: "Tally",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tally", targets: ["tally"]),
        .library(name: "TallyDriver", targets: ["TallyDriver"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // Exact values: money in minor units, currencies, civil dates, durations.
        .target(name: "TallyValues"),
        // Source files, spans, line tables and diagnostics with their renderers.
        .target(name: "TallySource"),
        // Lexer, AST, parser with recovery, and the canonical formatter.
        .target(name: "TallySyntax", dependencies: ["TallySource", "TallyValues"]),
        // Name resolution, types with units, and lints over a parsed program.
        .target(name: "TallyCheck", dependencies: ["TallySyntax", "TallySource", "TallyValues"]),
        // A cache prefetch hint (C: Swift has none), for lookups into large tables.
        .target(name: "TallyPrefetch"),
        // One pass over a CSV line with vector instructions (C: Swift has no movemask).
        .target(name: "TallyLineScan"),
        // SHA-256 of many messages at once, two interleaved (C: Swift cannot reach the SHA extensions).
        .target(name: "TallySHA256"),
        // Typed ledger records, CSV/JSONL readers, importers, validation, tally.yaml, signed tracking tokens.
        .target(name: "TallyLedgers", dependencies: ["TallySource", "TallyValues", "TallyPrefetch", "TallyLineScan",
                                                     .product(name: "Yams", package: "Yams"),
                                                     .product(name: "Crypto", package: "swift-crypto")]),
        // The evaluation plan: compiled rules, checks, tables, tiers, limits, aggregates.
        .target(name: "TallyPlan", dependencies: ["TallyCheck", "TallySyntax", "TallySource", "TallyValues"]),
        // The runner: attribution, rules, limits, holds, refunds, statements.
        .target(name: "TallyRun", dependencies: ["TallyPlan", "TallyLedgers", "TallyCheck", "TallyValues", "TallyPrefetch"]),
        // Decision records with hash chain, digests, output files, explanations.
        .target(name: "TallyAudit", dependencies: ["TallyRun", "TallyPlan", "TallyLedgers", "TallySource", "TallyValues", "TallySHA256",
                                                   .product(name: "Crypto", package: "swift-crypto")]),
        // What each command does, as a library the CLI calls and tests exercise.
        .target(name: "TallyDriver", dependencies: ["TallyAudit", "TallyRun", "TallyPlan", "TallyLedgers", "TallyCheck", "TallySyntax", "TallySource", "TallyValues"]),
        .executableTarget(
            name: "tally",
            dependencies: ["TallyDriver", "TallyRun", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // The evaluation stage alone, for decisions per second (see README, Performance).
        .executableTarget(name: "tally-bench", dependencies: ["TallyDriver", "TallyRun"]),
        // Golden-file and seeded-random helpers shared by the test targets.
        .target(name: "TallyTestSupport", path: "Tests/TallyTestSupport"),
        .testTarget(name: "TallySyntaxTests", dependencies: ["TallySyntax", "TallySource", "TallyTestSupport"], exclude: ["Fixtures"]),
        .testTarget(
            name: "TallyCheckTests",
            dependencies: ["TallyCheck", "TallyDriver", "TallySyntax", "TallySource", "TallyValues", "TallyTestSupport"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "TallyLedgersTests",
            dependencies: ["TallyLedgers", "TallyLineScan", "TallyDriver", "TallyValues", "TallySource", "TallyTestSupport"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "TallyRunTests",
            dependencies: ["TallyRun", "TallyDriver", "TallyAudit", "TallyLedgers", "TallyPlan", "TallyValues", "TallySource", "TallySHA256",
                           "TallyTestSupport", .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["Golden"]
        ),
        .testTarget(name: "TallyCLITests", dependencies: ["TallyDriver", "tally"]),
    ]
)
