import ArgumentParser
import SteepleCLI
import GRPCCore
import SPIREAPIProto

/// `federation list`: the dynamic federation relationships (those of `server.conf` are not listed, as in SPIRE).
struct FederationList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Lists all dynamic federation relationships"
    )

    @OptionGroup var options: AdminOptions

    func run() async throws {
        let response = try await withAdminGRPCClient(socketPath: options.socketPath) { grpc in
            do {
                return try await SPIRETrustDomainClient(wrapping: grpc).listFederationRelationships(Spire_Api_Server_Trustdomain_V1_ListFederationRelationshipsRequest())
            } catch let error as RPCError {
                throw CLIError("error listing federation relationship: \(error.goDescription)")
            }
        }
        switch options.output {
        case .pretty:
            let count = response.federationRelationships.count
            var text = "Found \(count) federation relationship\(count == 1 ? "" : "s")\n"
            for relationship in response.federationRelationships {
                text += "\n" + FederationPrinter.text(relationship)
            }
            Console.out(text)
        case .json:
            Console.out(try ProtoJSON.line(response))
        }
    }
}

/// `federation show -trustDomain`: one dynamic federation relationship.
struct FederationShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Shows a dynamic federation relationship"
    )

    @Option(name: .spire("trustDomain"), help: "The trust domain name of the federation relationship to show")
    var trustDomain: String = ""

    @OptionGroup var options: AdminOptions

    func run() async throws {
        guard !trustDomain.isEmpty else { throw CLIError("a trust domain name is required") }
        var request = Spire_Api_Server_Trustdomain_V1_GetFederationRelationshipRequest()
        request.trustDomain = trustDomain
        let sent = request
        let relationship = try await withAdminGRPCClient(socketPath: options.socketPath) { grpc in
            do {
                return try await SPIRETrustDomainClient(wrapping: grpc).getFederationRelationship(sent)
            } catch let error as RPCError {
                throw CLIError("error showing federation relationship: \(error.goDescription)")
            }
        }
        switch options.output {
        case .pretty:
            Console.out("Found a federation relationship with trust domain \(trustDomain):\n\n" + FederationPrinter.text(relationship))
        case .json:
            Console.out(try ProtoJSON.line(relationship))
        }
    }
}
