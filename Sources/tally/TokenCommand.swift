import ArgumentParser
import Foundation
import TallyDriver

struct Token: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Signed tracking tokens for partner links.",
        discussion: """
        Keys are listed in tally.yaml under `tokens: keys:`, each read from a file or an \
        environment variable (never the command line). The first key signs new tokens; \
        tokens signed by any listed key verify, so a key can be rotated by listing the \
        new one first and removing the old one once its links are gone.
        """,
        subcommands: [Issue.self, Inspect.self, NewKey.self]
    )

    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a token for a referrer's links.",
            discussion: "Example:\n  tally token issue examples/acme --referrer R-ALPINEAVA --campaign ambassador-2026 --expires 2026-12-31"
        )
        @Argument(help: "The project folder or its tally.yaml (default: the current folder).")
        var project: String = "."
        @Option(help: "The referrer id the links belong to.")
        var referrer: String
        @Option(help: "The campaign the links belong to (clicks naming another campaign are rejected).")
        var campaign: String?
        @Option(help: "The last day the token is valid, in the program's time zone (2026-12-31).")
        var expires: String?
        @Option(help: "Sign with this key id instead of the first one listed.")
        var key: String?

        func run() throws {
            emit(TokenCommands.issue(project: project, referrer: referrer, campaign: campaign, expires: expires, keyID: key))
        }
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a token against the project's keys and show what it holds.")
        @Argument(help: "The token.")
        var token: String
        @Option(help: "The project folder or its tally.yaml.")
        var project: String = "."

        func run() throws {
            emit(TokenCommands.inspect(project: project, token: token))
        }
    }

    struct NewKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "new-key",
            abstract: "Print a new random key (store it in a file or a secret variable, not in git).")

        func run() throws {
            print(TokenCommands.newKey())
        }
    }
}

private func emit(_ outcome: TokenCommands.Outcome) {
    if outcome.exitCode == 0 {
        print(outcome.text, terminator: "")
    } else {
        FileHandle.standardError.write(Data(outcome.text.utf8))
        Foundation.exit(outcome.exitCode)
    }
}
