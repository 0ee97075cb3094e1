import ArgumentParser
import SteepleCLI
import SPIREAPIProto

/// `bundle show`: prints the server's own trust bundle (SPIRE's `GetBundle`).
struct BundleShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Prints server CA bundle to stdout"
    )

    @Option(name: .spire("format"), help: "The format to show the bundle (only pretty output format supports this flag). Either \"pem\" or \"spiffe\".")
    var format: BundleFormat = .pem

    @OptionGroup var options: AdminOptions

    func run() async throws {
        let bundle = try await withAdminGRPCClient(socketPath: options.socketPath) { grpc in
            try await SPIREBundleClient(wrapping: grpc).getBundle(Spire_Api_Server_Bundle_V1_GetBundleRequest())
        }
        switch options.output {
        case .pretty:
            Console.out(try BundlePrinter.content(bundle, format: format))
        case .json:
            Console.out(try ProtoJSON.line(bundle))
        }
    }
}
