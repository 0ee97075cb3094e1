import ArgumentParser
import SteepleCLI
import GRPCCore
import SPIREAPIProto

/// `federation create`: creates dynamic federation relationships (SPIRE's `BatchCreateFederationRelationship`).
struct FederationCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Creates a dynamic federation relationship with a foreign trust domain"
    )

    @OptionGroup var fields: FederationFieldOptions
    @OptionGroup var options: AdminOptions

    func run() async throws {
        let relationships = try fields.relationships()
        var request = Spire_Api_Server_Trustdomain_V1_BatchCreateFederationRelationshipRequest()
        request.federationRelationships = relationships
        let sent = request
        let response = try await withAdminGRPCClient(socketPath: options.socketPath) { grpc in
            do {
                return try await SPIRETrustDomainClient(wrapping: grpc).batchCreateFederationRelationship(sent)
            } catch let error as RPCError {
                throw CLIError("request failed: \(error.goDescription)")
            }
        }
        switch options.output {
        case .pretty:
            let ok = try FederationPrinter.report(verb: "create", requested: relationships, results: response.results.map { ($0.status, $0.federationRelationship) })
            guard ok else { throw CLIError("failed to create one or more federation relationships") }
        case .json:
            Console.out(try ProtoJSON.line(response))
        }
    }
}

/// `federation update`: replaces dynamic federation relationships (SPIRE's `BatchUpdateFederationRelationship`, no
/// input mask: every field).
struct FederationUpdate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Updates a dynamic federation relationship with a foreign trust domain"
    )

    @OptionGroup var fields: FederationFieldOptions
    @OptionGroup var options: AdminOptions

    func run() async throws {
        let relationships = try fields.relationships()
        var request = Spire_Api_Server_Trustdomain_V1_BatchUpdateFederationRelationshipRequest()
        request.federationRelationships = relationships
        let sent = request
        let response = try await withAdminGRPCClient(socketPath: options.socketPath) { grpc in
            do {
                return try await SPIRETrustDomainClient(wrapping: grpc).batchUpdateFederationRelationship(sent)
            } catch let error as RPCError {
                throw CLIError("request failed: \(error.goDescription)")
            }
        }
        switch options.output {
        case .pretty:
            let ok = try FederationPrinter.report(verb: "update", requested: relationships, results: response.results.map { ($0.status, $0.federationRelationship) })
            guard ok else { throw CLIError("failed to update one or more federation relationships") }
        case .json:
            Console.out(try ProtoJSON.line(response))
        }
    }
}
