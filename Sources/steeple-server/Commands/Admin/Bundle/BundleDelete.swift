import ArgumentParser
import GRPCCore
import SteepleCLI
import SPIFFE
import SPIREAPIProto

/// `bundle delete -id`: deletes a federated bundle (SPIRE's `BatchDeleteFederatedBundle`). `-mode restrict` (the
/// default) refuses while entries federate with it, `dissociate` removes it from those entries, `delete` deletes
/// those entries too.
struct BundleDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Deletes federated bundle data"
    )

    @Option(name: .spire("id"), help: "SPIFFE ID of the trust domain")
    var id: String?

    @Option(name: .spire("mode"), help: "Deletion mode: one of restrict, delete, or dissociate")
    var mode: String = "restrict"

    @OptionGroup var options: AdminOptions

    func validate() throws {
        guard let id, !id.isEmpty else {
            throw CLIError("id is required")
        }
        _ = try IDArgument.trustDomain(id, flag: "id")
        _ = try Self.mode(mode)
    }

    /// The API's mode for `-mode`.
    static func mode(_ text: String) throws(CLIError) -> Spire_Api_Server_Bundle_V1_BatchDeleteFederatedBundleRequest.Mode {
        switch text {
        case "", "restrict": return .restrict
        case "dissociate": return .dissociate
        case "delete": return .delete
        default: throw CLIError("unsupported mode \(GoFormatting.quoted(text))")
        }
    }

    func run() async throws {
        var request = Spire_Api_Server_Bundle_V1_BatchDeleteFederatedBundleRequest()
        let trustDomain = try IDArgument.trustDomain(id ?? "", flag: "id").name
        request.trustDomains = [trustDomain]
        request.mode = try Self.mode(mode)
        let sent = request
        let response = try await withAdminGRPCClient(socketPath: options.socketPath) { grpc in
            do {
                return try await SPIREBundleClient(wrapping: grpc).batchDeleteFederatedBundle(sent)
            } catch let error as RPCError {
                throw CLIError("failed to delete federated bundle: \(error.goDescription)")
            }
        }
        switch options.output {
        case .pretty:
            guard let result = response.results.first else { throw CLIError("failed to delete federated bundle: the server answered no result") }
            guard result.status.code == 0 else {
                throw CLIError("failed to delete federated bundle \(GoFormatting.quoted(result.trustDomain.isEmpty ? trustDomain : result.trustDomain)): \(result.status.message)")
            }
            Console.out("bundle deleted.\n")
        case .json:
            Console.out(try ProtoJSON.line(response))
        }
    }
}
