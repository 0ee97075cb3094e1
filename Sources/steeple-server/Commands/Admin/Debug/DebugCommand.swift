import ArgumentParser
import SPIREAPIProto
import SteepleConfig

/// `steeple-server debug getinfo`, as `spire-server debug getinfo`: the running server's uptime, counts and SVID
/// chain through SPIRE's server Debug API on the admin socket.
struct DebugCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debug", abstract: "Prints debug information about the server.",
        subcommands: [DebugGetInfo.self])
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
