import ArgumentParser

/// `steeple-server x509`: X509-SVID operations, as `spire-server x509`.
struct X509Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "x509",
        abstract: "X509-SVID operations",
        subcommands: [
            X509Mint.self,
        ]
    )
}
