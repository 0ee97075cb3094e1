import ArgumentParser

/// `steeple-server jwt`: JWT-SVID operations, as `spire-server jwt`.
struct JWTCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jwt",
        abstract: "JWT-SVID operations",
        subcommands: [
            JWTMint.self,
        ]
    )
}
