import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SPIREAPIProto
import SteepleServerAPIProto
import Testing

@testable import steeple_server

@Suite("the admin client talks gRPC over the server's Unix socket")
struct AdminClientTests {
    /// Runs a stub admin API on a fresh socket for the duration of `body`.
    static func withStubServer(
        _ service: StubAdminService,
        _ body: (String) async throws -> Void
    ) async throws {
        let path = "/tmp/steeple-cli-test-\(UInt32.random(in: 0...UInt32.max)).sock"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let transport = HTTP2ServerTransport.Posix(address: .unixDomainSocket(path: path), transportSecurity: .plaintext)
        try await withGRPCServer(transport: transport, services: [service]) { _ in
            _ = try await transport.listeningAddress
            try await body(path)
        }
    }

    static func entry(_ id: String, hint: String = "") -> Spire_Api_Types_Entry {
        var entry = Spire_Api_Types_Entry()
        entry.id = id
        entry.hint = hint
        return entry
    }

    @Test("entry show's query pages through SPIRE's ListEntries on the socket, the filter on every page")
    func paging() async throws {
        var service = StubAdminService()
        service.order = ["", "b", "c"]
        service.pages = ["": [Self.entry("1", hint: "x")], "b": [Self.entry("2", hint: "x"), Self.entry("3")], "c": [Self.entry("4", hint: "x")]]
        try await Self.withStubServer(service) { path in
            let query = try EntryShow.parse(["-hint", "x"]).filters.query()
            let entries = try await withAdminGRPCClient(socketPath: path) { grpc in
                try await query.fetchAll(SPIREEntryClient(wrapping: grpc))
            }
            #expect(entries.map(\.id) == ["1", "2", "4"])
            let count = try await withAdminGRPCClient(socketPath: path) { grpc in
                try await SPIREEntryClient(wrapping: grpc).countEntries(query.countRequest).count
            }
            #expect(count == 3)
        }
    }

    @Test("an RPC error reaches the operator as the server's message")
    func rpcError() async throws {
        try await Self.withStubServer(StubAdminService()) { path in
            await #expect(throws: CLIError("agent not found")) {
                try await withAdminGRPCClient(socketPath: path) { grpc in
                    var request = Spire_Api_Server_Agent_V1_DeleteAgentRequest()
                    request.id = "spiffe://example.org/spire/agent/x"
                    return try await SPIREAgentClient(wrapping: grpc).deleteAgent(request)
                }
            }
        }
    }

    @Test("a socket file nobody listens on is reported as unreachable, with the -socketPath hint")
    func staleSocket() async throws {
        let path = "/tmp/steeple-cli-stale-\(UInt32.random(in: 0...UInt32.max)).sock"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = await #expect(throws: CLIError.self) {
            try await withAdminClient(socketPath: path) { client in
                try await client.health(Steeple_Server_V1_HealthRequest())
            }
        }
        #expect(try #require(error).message.hasPrefix("cannot connect to the server at \(path): is steeple-server running? (-socketPath)"))
    }
}
