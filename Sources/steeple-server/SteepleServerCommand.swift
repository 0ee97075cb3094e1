import ArgumentParser
import SteepleCLI

/// `steeple-server`: runs the server and administers it over its Unix socket, with SPIRE's command grammar.
@main
struct SteepleServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "steeple-server",
        abstract: "The Steeple server: a SPIFFE trust domain's CA and registration authority.",
        version: SteepleVersion.current,
        subcommands: [
            RunCommand.self,
            ValidateCommand.self,
            EntryCommand.self,
            AgentCommand.self,
            TokenCommand.self,
            BundleCommand.self,
            X509Command.self,
            JWTCommand.self,
            HealthcheckCommand.self,
            LoggerCommand.self,
            DebugCommand.self,
            FederationCommand.self,
            LocalAuthorityCommand.self,
            UpstreamAuthorityCommand.self,
        ]
    )

    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        SteepleVersion.exitIfRequested(arguments)
        EntryArgumentLimits.exitIfViolated(arguments)
        UnknownArgumentGuard.exitIfViolated(arguments, for: Self.self)
        await main(nil)
    }
}
