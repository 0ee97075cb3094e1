import ArgumentParser
import SPIREAPIProto
import SteepleServerAPIProto
import SteepleCLI
import SteepleConfig

/// `steeple-server debug getinfo`, as `spire-server debug getinfo`: the running server's uptime, counts and SVID
/// chain through SPIRE's server Debug API on the admin socket.
struct DebugCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debug", abstract: "Prints debug information about the server.",
        subcommands: [DebugGetInfo.self, DebugExplain.self])
}

struct DebugGetInfo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "getinfo", abstract: "Prints debug information about the server")

    @OptionGroup var options: AdminOptions

    func run() async throws {
        let info = try await withAdminGRPCClient(socketPath: options.socketPath) { grpc in
            try await SPIREDebugClient(wrapping: grpc).getInfo(Spire_Api_Server_Debug_V1_GetInfoRequest())
        }
        switch options.output {
        case .pretty: Console.out(Self.pretty(info))
        case .json: Console.out(try ProtoJSON.line(info))
        }
    }

    /// SPIRE's text (`cmd/spire-server/cli/debug/debug.go`, `prettyPrintGetInfo`).
    static func pretty(_ info: Spire_Api_Server_Debug_V1_GetInfoResponse) -> String {
        var text = "Server Debug Info:\n"
        text += "  Uptime:                  \(GoDuration.format(.seconds(info.uptime)))\n"
        text += "  Registered Agents:       \(info.agentsCount)\n"
        text += "  Registration Entries:    \(info.entriesCount)\n"
        text += "  Federated Bundles:       \(info.federatedBundlesCount)\n"
        if !info.svidChain.isEmpty {
            text += "  SVID Chain:\n"
            for (index, certificate) in info.svidChain.enumerated() {
                text += "    [\(index)] SPIFFE ID:  \(certificate.hasID ? certificate.id.uri : "(none)")\n"
                text += "        Subject:    \(certificate.subject)\n"
                text += "        Expires At: \(GoFormatting.rfc3339(unixSeconds: certificate.expiresAt))\n"
            }
        }
        return text
    }
}

/// `steeple-server debug explain -selector type:value … [-agentID …]` (Steeple's own): the server's entries against a
/// workload's selectors, each matched or with the selectors it lacks, so "no identity issued" has its answer without
/// reading logs. With `-agentID`, that agent's authorized entries; without, every entry sharing a selector.
struct DebugExplain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain", abstract: "Explains which entries a workload with these selectors matches, and why others do not")

    @Option(name: .spire("selector"), help: "A selector of the workload, type:value (repeatable)")
    var selectors: [String] = []

    @Option(name: .spire("agentID"), help: "Consider only the entries this agent (SPIFFE ID) is authorized for")
    var agentID: String?

    @OptionGroup var options: AdminOptions

    func run() async throws {
        guard !selectors.isEmpty else {
            Console.err("Error: give the workload's selectors: -selector type:value (such as -selector unix:uid:1000), as many as it has\n")
            throw ExitCode.failure
        }
        do {
            _ = try SelectorArgument.parse(selectors)
        } catch {
            Console.err("Error: \(error)\n")
            throw ExitCode.failure
        }
        var request = Steeple_Server_V1_ExplainRequest()
        request.selectors = selectors
        request.agentID = agentID ?? ""
        let sent = request
        let response = try await withAdminClient(socketPath: options.socketPath) { client in
            try await client.explain(sent)
        }
        switch options.output {
        case .pretty: Console.out(response.text)
        case .json: Console.out(try ProtoJSON.line(response))
        }
    }
}
