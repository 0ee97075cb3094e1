import SteepleServerClient
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SPIFFE
import SPIREAPIProto
import SteepleAgent
import SteepleTestSupport
import X509

/// The agent half of SPIRE's server API (issue #14), as stock SPIRE agents call it over TCP and TLS on a real release
/// server: join-token attestations per second (`AttestAgent`), and workload X509-SVIDs per second through
/// `BatchNewX509SVID` for an agent authorized for 1,000 entries. Join tokens and entries are made through SPIRE's API
/// on the admin socket.
enum SPIREAPIBenchmarks {
    static func run(scale: Double, report: MarkdownReport) async throws {
        let attestations = scale < 1 ? 40 : 400
        let entryCount = scale < 1 ? 100 : 1000
        let concurrency = 8
        let domain = try BenchTrustDomain(agentCount: 0)
        do {
            try await domain.start()
            let bundle = try SPIFFEBundle(trustDomain: try TrustDomain("example.org"), json: Array(try await domain.server.cli(["bundle", "show", "-format", "spiffe"]).stdout.utf8))
            let connection = ServerConnection(host: "127.0.0.1", port: domain.port, trustDomain: bundle.trustDomain)
            let tokens = try await joinTokens(socket: domain.server.socketPath, count: attestations + 1)

            // Attestations: `concurrency` at a time on one connection, each with its own token and CSR.
            let clock = ContinuousClock()
            var latencies: [Duration] = []
            let started = clock.now
            let identities = try await connection.withGRPCClient(identity: nil, trust: .bundle(bundle)) { grpc in
                let agent = Spire_Api_Server_Agent_V1_Agent.Client(wrapping: grpc)
                return try await withThrowingTaskGroup(of: (Duration, AgentIdentity).self) { group in
                    var next = 0
                    var identities: [AgentIdentity] = []
                    func add() {
                        let token = tokens[next]
                        next += 1
                        group.addTask { try await attest(agent, token: token, clock: clock) }
                    }
                    for _ in 0..<min(concurrency, attestations) { add() }
                    while let (latency, identity) = try await group.next() {
                        latencies.append(latency)
                        identities.append(identity)
                        if next < attestations { add() }
                    }
                    return identities
                }
            }
            let attestElapsed = clock.now - started
            let attestSample = LatencySample(latencies, elapsed: attestElapsed)

            // BatchNewX509SVID: one agent, `entryCount` entries under it, 100 CSRs per call.
            let agentIdentity = identities[0]
            let entryIDs = try await createEntries(socket: domain.server.socketPath, parent: agentIdentity.id, count: entryCount)
            let csrs = try (0..<100).map { _ in Data(try CSRBuilder.csr(for: CSRBuilder.newKey())) }
            let (signed, signElapsed, callLatencies) = try await connection.withGRPCClient(identity: agentIdentity, trust: .bundle(bundle)) { grpc in
                let svid = Spire_Api_Server_Svid_V1_SVID.Client(wrapping: grpc)
                let entries = Spire_Api_Server_Entry_V1_Entry.Client(wrapping: grpc)
                // The entry index applies new entries asynchronously: wait until the agent is authorized for all.
                let deadline = clock.now + .seconds(30)
                while try await entries.getAuthorizedEntries(Spire_Api_Server_Entry_V1_GetAuthorizedEntriesRequest()).entries.count < entryCount, clock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                var signed = 0
                var calls: [Duration] = []
                let start = clock.now
                for batch in stride(from: 0, to: entryIDs.count, by: 100) {
                    var request = Spire_Api_Server_Svid_V1_BatchNewX509SVIDRequest()
                    request.params = zip(entryIDs[batch..<min(batch + 100, entryIDs.count)], csrs).map { id, csr in
                        var params = Spire_Api_Server_Svid_V1_NewX509SVIDParams()
                        params.entryID = id
                        params.csr = csr
                        return params
                    }
                    let sent = clock.now
                    let response = try await svid.batchNewX509SVID(request)
                    calls.append(clock.now - sent)
                    signed += response.results.filter { $0.status.code == 0 }.count
                }
                return (signed, clock.now - start, calls)
            }
            let callSample = LatencySample(callLatencies, elapsed: signElapsed)
            let header = ["SPIRE API, agent half (TCP + TLS)", "count", "per second", "p50 ms", "p99 ms"]
            let rows = [
                ["AttestAgent (join_token), \(concurrency) at a time", String(attestSample.count),
                 String(format: "%.0f", Double(attestSample.count) / seconds(attestElapsed)),
                 LatencySample.milliseconds(attestSample.p50), LatencySample.milliseconds(attestSample.p99)],
                ["BatchNewX509SVID items (100 per call, one agent, \(entryCount) entries)", String(signed),
                 String(format: "%.0f", Double(signed) / seconds(signElapsed)),
                 LatencySample.milliseconds(callSample.p50), LatencySample.milliseconds(callSample.p99)],
            ]
            printTable("SPIRE's server API as a stock SPIRE agent calls it", header: header, rows: rows)
            report.add(
                "SPIRE server API, agent half", intro: "A client of SPIRE's `spire.api.server` protos (generated by Steeple's toolchain for this benchmark; the interop tests use grpcio-tools) on one TLS connection to a release server. Attestation: \(attestations) join tokens made through SPIRE's `CreateJoinToken` on the admin socket, attested \(concurrency) at a time; latency per `AttestAgent` stream, including the server's agent SVID signature and the node record's write. Signing: one attested agent authorized for \(entryCount) entries (made with `BatchCreateEntry`) asks for their SVIDs, 100 CSRs per `BatchNewX509SVID` call, one call at a time; latency per call.",
                header: header, rows: rows)
            await domain.stop()
        } catch {
            await domain.stop()
            throw error
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func attest(_ agent: Spire_Api_Server_Agent_V1_Agent.Client<HTTP2ClientTransport.Posix>, token: String, clock: ContinuousClock) async throws -> (Duration, AgentIdentity) {
        let key = CSRBuilder.newKey()
        let csr = try CSRBuilder.csr(for: key)
        var params = Spire_Api_Server_Agent_V1_AttestAgentRequest()
        params.params.data.type = "join_token"
        params.params.data.payload = Data(token.utf8)
        params.params.params.csr = Data(csr)
        let request = params
        let sent = clock.now
        let result = try await agent.attestAgent(request: StreamingClientRequest(of: Spire_Api_Server_Agent_V1_AttestAgentRequest.self) { writer in
            try await writer.write(request)
        }) { response -> Spire_Api_Server_Agent_V1_AttestAgentResponse.Result? in
            for try await message in response.messages {
                if case .result(let result)? = message.step { return result }
            }
            return nil
        }
        let latency = clock.now - sent
        guard let result else { throw BenchFailure("AttestAgent ended without a result") }
        let chain = try X509Bundle(trustDomain: try TrustDomain(result.svid.id.trustDomain), derBytes: result.svid.certChain.flatMap { Array($0) }).x509Authorities
        let id = try SPIFFEID(result.svid.id)
        return (latency, AgentIdentity(id: id, chain: chain, privateKey: key))
    }

    static func withSPIREAdmin<Result: Sendable>(socket: String, _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result) async throws -> Result {
        try await withGRPCClient(transport: try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: socket), transportSecurity: .plaintext)) { grpc in
            try await body(grpc)
        }
    }

    static func joinTokens(socket: String, count: Int) async throws -> [String] {
        try await withSPIREAdmin(socket: socket) { grpc in
            let agent = Spire_Api_Server_Agent_V1_Agent.Client(wrapping: grpc)
            var tokens: [String] = []
            for _ in 0..<count {
                var request = Spire_Api_Server_Agent_V1_CreateJoinTokenRequest()
                request.ttl = 3600
                tokens.append(try await agent.createJoinToken(request).value)
            }
            return tokens
        }
    }

    static func createEntries(socket: String, parent: SPIFFEID, count: Int) async throws -> [String] {
        try await withSPIREAdmin(socket: socket) { grpc in
            let entries = Spire_Api_Server_Entry_V1_Entry.Client(wrapping: grpc)
            var ids: [String] = []
            for batch in stride(from: 0, to: count, by: 500) {
                var request = Spire_Api_Server_Entry_V1_BatchCreateEntryRequest()
                request.entries = (batch..<min(batch + 500, count)).map { index in
                    var entry = Spire_Api_Types_Entry()
                    entry.spiffeID.trustDomain = "example.org"
                    entry.spiffeID.path = "/bench/spire-api/\(index)"
                    entry.parentID = Spire_Api_Types_SPIFFEID(parent)
                    var selector = Spire_Api_Types_Selector()
                    selector.type = "unix"
                    selector.value = "uid:\(20_000 + index)"
                    entry.selectors = [selector]
                    return entry
                }
                let response = try await entries.batchCreateEntry(request)
                guard response.results.allSatisfy({ $0.status.code == 0 }) else {
                    throw BenchFailure("BatchCreateEntry refused entries: \(response.results.first { $0.status.code != 0 }?.status.message ?? "")")
                }
                ids += response.results.map(\.entry.id)
            }
            return ids
        }
    }
}
