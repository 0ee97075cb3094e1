import ArgumentParser
import Foundation
import GRPCCore
import SPIREAPIProto
import SwiftProtobuf
import SteepleCLI
import SteepleConfig

/// `agent purge`: deletes agents that can attest again by themselves (SPIRE's non-TOFU attestors: x509pop, cloud
/// attestors) and whose SVID expired more than `-expiredFor` ago; `-dryRun` only lists them. Agents that cannot
/// re-attest (join tokens) are never purged: their record is all that keeps their identity. As `spire-server agent
/// purge`: `ListAgents` by `can_reattest`, then `DeleteAgent` each.
struct AgentPurge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Purge expired agents that were attested using a non-TOFU security model based on a given time"
    )

    @Option(
        name: .spire("expiredFor"),
        help: "Amount of time that has passed since the agent's SVID has expired. It is used to determine which agents to purge.")
    var expiredFor: String = "720h0m0s"

    @Flag(name: .spire("dryRun"), help: "Indicates that the command will not perform any action, but will print the agents that would be purged.")
    var dryRun = false

    @OptionGroup var options: AdminOptions

    func validate() throws {
        _ = try threshold()
    }

    private func threshold() throws(CLIError) -> Duration {
        do {
            return try GoDuration.parse(expiredFor)
        } catch {
            throw CLIError("invalid value \(GoFormatting.quoted(expiredFor)) for flag -expiredFor: \(error.message)")
        }
    }

    /// One agent found expired, and what became of it.
    struct Outcome {
        var agentID: String
        var deleted: Bool
        var error: String?
    }

    func run() async throws {
        let threshold = try threshold()
        let dryRun = self.dryRun
        let outcomes = try await withAdminGRPCClient(socketPath: options.socketPath) { grpc in
            let client = SPIREAgentClient(wrapping: grpc)
            var request = Spire_Api_Server_Agent_V1_ListAgentsRequest()
            request.filter.byCanReattest = .init(true)
            request.outputMask.x509SvidExpiresAt = true
            let agents: [Spire_Api_Types_Agent]
            do {
                agents = try await client.listAgents(request).agents
            } catch let error as RPCError {
                throw CLIError("failed to list agents: \(error.goDescription)")
            }
            let now = Int64(Date().timeIntervalSince1970)
            var outcomes: [Outcome] = []
            for agent in agents where Duration.seconds(now - agent.x509SvidExpiresAt) > threshold {
                var outcome = Outcome(agentID: agent.id.uri, deleted: false)
                if !dryRun {
                    var delete = Spire_Api_Server_Agent_V1_DeleteAgentRequest()
                    delete.id = agent.id
                    do {
                        _ = try await client.deleteAgent(delete)
                        outcome.deleted = true
                    } catch let error as RPCError {
                        outcome.error = error.goDescription
                    }
                }
                outcomes.append(outcome)
            }
            return outcomes
        }
        switch options.output {
        case .pretty:
            Console.out(Self.pretty(outcomes, dryRun: dryRun))
        case .json:
            Console.out(Self.json(outcomes))
        }
    }

    /// SPIRE's text: `No agents to purge.`, or `Found N expired agents` and the agents purged and not purged (or,
    /// with `-dryRun`, those that would be).
    static func pretty(_ outcomes: [Outcome], dryRun: Bool) -> String {
        guard !outcomes.isEmpty else { return "No agents to purge.\n" }
        var text = "Found \(GoFormatting.counted(outcomes.count, "expired agent", "expired agents"))\n\n"
        if dryRun {
            text += "\nAgents that can be purged:\n"
            for outcome in outcomes { text += "SPIFFE ID         : \(outcome.agentID)\n" }
            return text
        }
        let purged = outcomes.filter(\.deleted)
        let failed = outcomes.filter { !$0.deleted }
        if !purged.isEmpty {
            text += "Agents purged:\n"
            for outcome in purged { text += "SPIFFE ID         : \(outcome.agentID)\n" }
        }
        if !failed.isEmpty {
            text += "Agents not purged:\n"
            for outcome in failed {
                text += "SPIFFE ID         : \(outcome.agentID)\n"
                text += "Error             : \(outcome.error ?? "")\n"
            }
        }
        return text
    }

    /// SPIRE's struct JSON: `{"expired_agents":[{"agent_id":…,"deleted":…,"error":…}]}` (`error` only when set).
    static func json(_ outcomes: [Outcome]) -> String {
        let agents = outcomes.map { outcome -> GoJSONValue in
            var members: [String: GoJSONValue] = ["agent_id": .string(outcome.agentID), "deleted": .bool(outcome.deleted)]
            if let error = outcome.error, !error.isEmpty { members["error"] = .string(error) }
            return .object(members)
        }
        return GoJSONValue.object(["expired_agents": .array(agents)]).encoded + "\n"
    }
}
