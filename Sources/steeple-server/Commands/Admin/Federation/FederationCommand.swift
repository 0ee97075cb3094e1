import ArgumentParser

/// `steeple-server federation`: dynamic federation relationships (SPIRE's TrustDomain API), as
/// `spire-server federation`.
struct FederationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "federation",
        abstract: "Manages federation relationships",
        subcommands: [
            FederationCreate.self,
            FederationUpdate.self,
            FederationList.self,
            FederationShow.self,
            FederationDelete.self,
            FederationRefresh.self,
        ]
    )
}
