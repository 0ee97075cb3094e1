import ArgumentParser
import SteepleCLI
import SPIFFE
import SteepleServerAPIProto

/// `bundle delete -id`: deletes a federated bundle (`DeleteFederatedBundle`).
///
/// SPIRE's `-mode` is accepted for scripts' sake, but the admin API only has SPIRE's default, `restrict`: the
/// server refuses to delete a bundle that entries still federate with.
struct BundleDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Deletes federated bundle data"
    )

    @Option(name: .spire("id"), help: "SPIFFE ID of the trust domain")
    var id: String?

    @Option(name: .spire("mode"), help: "Deletion mode: only restrict is supported")
    var mode: String = "restrict"

    @OptionGroup var options: AdminOptions

    func validate() throws {
        guard let id, !id.isEmpty else {
            throw CLIError("id is required")
        }
        _ = try IDArgument.trustDomain(id, flag: "id")
        switch mode {
        case "", "restrict":
            break
        case "delete", "dissociate":
            throw CLIError("mode \(GoFormatting.quoted(mode)) is not supported: the server deletes bundles in restrict mode only")
        default:
            throw CLIError("unsupported mode \(GoFormatting.quoted(mode))")
        }
    }

    func run() async throws {
        var request = Steeple_Server_V1_DeleteFederatedBundleRequest()
        request.trustDomain = try IDArgument.trustDomain(id ?? "", flag: "id").name
        let sent = request
        let response = try await withAdminClient(socketPath: options.socketPath) { client in
            try await client.deleteFederatedBundle(sent)
        }
        switch options.output {
        case .pretty:
            Console.out("bundle deleted.\n")
        case .json:
            Console.out(try ProtoJSON.line(response))
        }
    }
}
