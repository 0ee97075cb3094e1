import GRPCCore
import SPIFFE
import SteepleAgent
import SteepleDatastore
import SteepleServer
import SteepleServerAPIProto
import SwiftProtobuf

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The agent API between agent and server: what the agent parses from the server, and the one handler the server
/// runs before any authentication (`AttestAgent`).
enum AgentAPITargets {
    /// Input: one selector byte, then the protobuf encoding of the message it selects.
    static let messages = FuzzTarget(
        name: "agent-api-messages",
        summary: "decode of every agent API message (first byte picks it); the agent's parsing of attestation results, sync messages (entries, bundles) and signed SVIDs"
    ) { bytes in
        var input = FuzzInput(bytes)
        let selector = input.byte() % 9
        let body = input.rest()
        let trustDomain = FuzzKeys.trustDomain
        switch selector {
        case 0:
            guard let message = WorkloadAPITargets.decode(Steeple_Server_V1_AttestAgentResponse.self, body), case .result(let result)? = message.step else { return }
            _ = try? X509Bundle(trustDomain: trustDomain, derBytes: result.x509SvidChain)
            _ = try? SPIFFEBundle(trustDomain: trustDomain, json: Array(result.trustBundleJson))
            _ = try? SPIFFEID(result.spiffeID)
        case 1:
            guard let message = WorkloadAPITargets.decode(Steeple_Server_V1_SyncEntriesResponse.self, body) else { return }
            for entry in message.upserted { _ = try? AgentEntry(proto: entry) }
            if message.hasBundle { _ = try? SPIFFEBundle(trustDomain: trustDomain, json: Array(message.bundle.spiffeBundleJson)) }
            for bundle in message.federatedBundles {
                if let federated = try? TrustDomain(bundle.trustDomain) {
                    _ = try? SPIFFEBundle(trustDomain: federated, json: Array(bundle.spiffeBundleJson))
                }
            }
        case 2:
            guard let message = WorkloadAPITargets.decode(Steeple_Server_V1_BatchSignX509SVIDResponse.self, body) else { return }
            for result in message.results {
                _ = try? X509Bundle(trustDomain: trustDomain, derBytes: result.x509SvidChain)
                _ = Date(timeIntervalSince1970: TimeInterval(result.expiresAt))
            }
        case 3:
            guard let message = WorkloadAPITargets.decode(Steeple_Server_V1_RenewAgentResponse.self, body) else { return }
            _ = try? X509Bundle(trustDomain: trustDomain, derBytes: message.x509SvidChain)
        case 4:
            guard let message = WorkloadAPITargets.decode(Steeple_Server_V1_SignJWTSVIDResponse.self, body) else { return }
            _ = try? JWTSVID.parseInsecure(token: message.token, audience: [FuzzKeys.audience])
        case 5: _ = WorkloadAPITargets.decode(Steeple_Server_V1_AttestAgentRequest.self, body)
        case 6: _ = WorkloadAPITargets.decode(Steeple_Server_V1_SyncEntriesRequest.self, body)
        case 7: _ = WorkloadAPITargets.decode(Steeple_Server_V1_BatchSignX509SVIDRequest.self, body)
        default: _ = WorkloadAPITargets.decode(Steeple_Server_V1_SignJWTSVIDRequest.self, body)
        }
    }

    /// Input: a sequence of length-prefixed `AttestAgentRequest` encodings (parameters, then challenge responses).
    /// The join token `fuzz-join-token` exists at the start of every input.
    static let attestHandler = FuzzTarget(
        name: "agent-attest",
        summary: "the server's AttestAgent handler (join_token attestor, CSR, signing, node record) on a stream of decoded requests"
    ) { bytes in
        var input = FuzzInput(bytes)
        var requests: [Steeple_Server_V1_AttestAgentRequest] = []
        while !input.isAtEnd, requests.count < 4 {
            guard let request = try? Steeple_Server_V1_AttestAgentRequest(serializedBytes: input.lengthPrefixed()) else { return }
            requests.append(request)
        }
        let server = FuzzServer.shared()
        let messages = requests
        FuzzLog.outcome("agent-attest") { try runBlocking {
            _ = try? await server.store.createJoinToken(JoinToken(token: FuzzServer.joinToken, expiresAt: Date(timeIntervalSinceNow: 3600)))
            let stream = AsyncThrowingStream<Steeple_Server_V1_AttestAgentRequest, any Error> { continuation in
                for message in messages { continuation.yield(message) }
                continuation.finish()
            }
            try await server.server.agent.attestAgent(
                request: RPCAsyncSequence(wrapping: stream),
                response: RPCWriter(wrapping: DiscardingWriter()),
                context: FuzzServer.context(method: "AttestAgent")
            )
        } }
    }
}

/// A response writer that drops what it is given (after encoding it).
struct DiscardingWriter<Element: SwiftProtobuf.Message>: RPCWriterProtocol {
    func write(_ element: Element) async throws {
        _ = try element.serializedBytes() as [UInt8]
    }

    func write(contentsOf elements: some Sequence<Element>) async throws {
        for element in elements { try await write(element) }
    }
}
