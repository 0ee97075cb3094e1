import ArgumentParser
import SteepleCLI

@main
struct SteepleAgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "steeple-agent",
        abstract: "The Steeple agent: attests this node, keeps workload SVIDs ready and serves the SPIFFE Workload API.",
        version: SteepleVersion.current,
        subcommands: [AgentRunCommand.self, AgentValidateCommand.self, APICommand.self, HealthcheckCommand.self, DebugCommand.self, LoggerCommand.self]
    )

    static func main() async {
        SteepleVersion.exitIfRequested(Array(CommandLine.arguments.dropFirst()))
        UnknownArgumentGuard.exitIfViolated(Array(CommandLine.arguments.dropFirst()), for: Self.self)
        await main(nil)
    }
}
