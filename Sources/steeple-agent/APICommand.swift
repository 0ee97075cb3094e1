import ArgumentParser

/// `steeple-agent api`: a Workload API client, as `spire-agent api`.
struct APICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Talks to the agent's Workload API as a workload would.",
        subcommands: [APIFetchCommand.self, APIValidateCommand.self, APIWatchCommand.self]
    )
}

/// `api fetch [x509]` and `api fetch jwt`.
struct APIFetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Fetches SVIDs and bundles.",
        subcommands: [APIFetchX509Command.self, APIFetchJWTCommand.self],
        defaultSubcommand: APIFetchX509Command.self
    )
}

/// `api validate jwt`.
struct APIValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Validates an SVID through the Workload API.",
        subcommands: [APIValidateJWTCommand.self]
    )
}
