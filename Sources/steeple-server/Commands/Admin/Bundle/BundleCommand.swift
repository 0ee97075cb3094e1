import ArgumentParser

/// `steeple-server bundle`: manages the trust bundle and federated bundles, as `spire-server bundle`.
struct BundleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Manages trust bundles",
        subcommands: [
            BundleShow.self,
            BundleList.self,
            BundleSet.self,
            BundleDelete.self,
            BundleCount.self,
        ]
    )
}
