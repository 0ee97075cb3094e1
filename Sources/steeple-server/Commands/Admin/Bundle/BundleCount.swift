import ArgumentParser
import SPIREAPIProto

/// `bundle count`: counts the bundles the server holds, its own plus the federated ones (SPIRE's `CountBundles`).
struct BundleCount: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "count",
        abstract: "Count bundles"
    )

    @OptionGroup var options: AdminOptions

    func run() async throws {
        let response = try await withAdminGRPCClient(socketPath: options.socketPath) { grpc in
            try await SPIREBundleClient(wrapping: grpc).countBundles(Spire_Api_Server_Bundle_V1_CountBundlesRequest())
        }
        switch options.output {
        case .pretty:
            Console.out(BundlePrinter.count(response.count))
        case .json:
            Console.out(try ProtoJSON.line(response))
        }
    }
}
