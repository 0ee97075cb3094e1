import ArgumentParser
import SteepleServerAPIProto

/// `agent evict -spiffeID`: deletes an agent's attestation so it must attest again (`EvictAgent`).
struct AgentEvict: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evict",
        abstract: "Evicts an attested agent given its SPIFFE ID"
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
            try await client.evictAgent(sent)
        }
        switch options.output {
        case .pretty:
            Console.out("Agent evicted successfully\n")
        case .json:
            Console.out(try ProtoJSON.line(response))
        }
    }
}
