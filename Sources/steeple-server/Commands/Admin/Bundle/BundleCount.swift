import ArgumentParser
import SteepleServerAPIProto

/// `bundle count`: counts the bundles the server holds, its own plus the federated ones (`FetchBundle` and
/// `ListFederatedBundles`; the admin API has no count call for bundles).
struct BundleCount: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "count",
        abstract: "Count bundles"
    )

    @OptionGroup var options: AdminOptions

    func run() async throws {
        let count = try await withAdminClient(socketPath: options.socketPath) { client in
            _ = try await client.fetchBundle(Steeple_Server_V1_FetchBundleRequest())
            let federated = try await client.listFederatedBundles(Steeple_Server_V1_ListFederatedBundlesRequest())
            return Int64(federated.bundles.count + 1)
        }
        switch options.output {
        case .pretty:
            Console.out(BundlePrinter.count(count))
        case .json:
            var response = Steeple_Server_V1_CountResponse()
            response.count = count
            Console.out(try ProtoJSON.line(response))
        }
    }
}
