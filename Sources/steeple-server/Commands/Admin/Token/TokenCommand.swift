import ArgumentParser

/// `steeple-server token`: manages join tokens, as `spire-server token`.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Manages join tokens",
        subcommands: [
            TokenGenerate.self,
        ]
    )
}
