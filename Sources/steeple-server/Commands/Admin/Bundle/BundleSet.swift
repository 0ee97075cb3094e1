import ArgumentParser
import GRPCCore
import SteepleCLI
import SPIFFE
import SPIREAPIProto

/// `bundle set`: creates or replaces a federated bundle (SPIRE's `BatchSetFederatedBundle`) from a file or stdin.
struct BundleSet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Creates or updates bundle data"
    )

    @Option(name: .spire("id"), help: "SPIFFE ID of the trust domain")
    var id: String?

    @Option(name: .spire("path"), help: "Path to the bundle data (stdin when not set)")
    var path: String?

    @Option(name: .spire("format"), help: "The format of the bundle data. Either \"pem\" or \"spiffe\".")
    var format: BundleFormat = .pem

    @OptionGroup var options: AdminOptions

    func validate() throws {
        guard let id, !id.isEmpty else {
            throw CLIError("id flag is required")
        }
        _ = try IDArgument.trustDomain(id, flag: "id")
    }

    func run() async throws {
        let trustDomain = try IDArgument.trustDomain(id ?? "", flag: "id")
        let bundle = try BundleInput.bundle(trustDomain: trustDomain, data: try InputFile.read(path), format: format)
        var request = Spire_Api_Server_Bundle_V1_BatchSetFederatedBundleRequest()
        request.bundle = [bundle]
        let sent = request
        let response = try await withAdminGRPCClient(socketPath: options.socketPath) { grpc in
            do {
                return try await SPIREBundleClient(wrapping: grpc).batchSetFederatedBundle(sent)
            } catch let error as RPCError {
                throw CLIError("failed to set federated bundle: \(error.goDescription)")
            }
        }
        switch options.output {
        case .pretty:
            guard let result = response.results.first else { throw CLIError("failed to set federated bundle: the server answered no result") }
            guard result.status.code == 0 else { throw CLIError("failed to set federated bundle: \(result.status.message)") }
            Console.out("bundle set.\n")
        case .json:
            Console.out(try ProtoJSON.line(response))
        }
    }
}
