import ArgumentParser
import SteepleServerAPIProto

/// `agent ban -spiffeID`: bans an agent so it can no longer renew or re-attest (`BanAgent`).
struct AgentBan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ban",
        abstract: "Ban an attested agent given its SPIFFE ID"
    )

    @OptionGroup var agent: AgentIDOption

    @OptionGroup var options: AdminOptions

    func validate() throws {
        _ = try agent.id()
    }

    func run() async throws {
        var request = Steeple_Server_V1_AgentRequest()
        request.spiffeID = try agent.id()
        let sent = request
        let response = try await withAdminClient(socketPath: options.socketPath) { client in
            try await client.banAgent(sent)
        }
        switch options.output {
        case .pretty:
            Console.out("Agent banned successfully\n")
        case .json:
            Console.out(try ProtoJSON.line(response))
        }
    }
}
