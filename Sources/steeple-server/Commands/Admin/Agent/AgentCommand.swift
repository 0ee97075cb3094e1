import ArgumentParser

/// `steeple-server agent`: manages attested agents, as `spire-server agent`.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Manages attested agents",
        subcommands: [
            AgentList.self,
            AgentShow.self,
            AgentCount.self,
            AgentEvict.self,
            AgentBan.self,
            AgentPurge.self,
        ]
    )
}
