import ArgumentParser
import SPIREAPIProto

/// `agent evict -spiffeID`: deletes an agent's attestation so it must attest again (SPIRE's `DeleteAgent`).
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
        var request = Spire_Api_Server_Agent_V1_DeleteAgentRequest()
        request.id = try agent.spireID()
        let sent = request
        let response = try await withAdminGRPCClient(socketPath: options.socketPath) { grpc in
            try await SPIREAgentClient(wrapping: grpc).deleteAgent(sent)
        }
        switch options.output {
        case .pretty:
            Console.out("Agent evicted successfully\n")
        case .json:
            Console.out(try ProtoJSON.line(response))
        }
    }
}
