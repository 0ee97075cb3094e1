import GRPCCore
package import SPIFFE
import SteepleServerAPIProto
import SteepleX509PoP
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Proves the node to the server (`AttestAgent`) and returns the agent's first SVID with the trust bundle.
///
/// - `join_token`: the token is the payload; single use.
/// - `k8s_psat`: the cluster's name and the pod's projected service account token, which the server reviews.
/// - `gcp_iit`, `aws_iid`, `azure_msi`: the instance's identity token or document from its metadata service
///   (``CloudAttestationData``).
/// - `x509pop`: SPIRE's messages (``X509PoPMessages``): the payload is the certificate chain; the server answers with
///   a nonce, and the agent signs both nonces with the certificate's key.
package struct NodeAttestationClient: Sendable {
    let connection: ServerConnection
    let attestor: AgentConfiguration.NodeAttestorSettings
    let joinToken: String?

    package init(connection: ServerConnection, attestor: AgentConfiguration.NodeAttestorSettings, joinToken: String?) {
        self.connection = connection
        self.attestor = attestor
        self.joinToken = joinToken
    }

    package func attest(trust: ServerTrust) async throws -> (AgentIdentity, SPIFFEBundle) {
        let key = CSRBuilder.newKey()
        var params = Steeple_Server_V1_AttestAgentRequest.Params()
        params.csr = Data(try CSRBuilder.csr(for: key))
        // The server refuses an agent of another trust domain before it consumes the token (or anything else).
        params.trustDomain = connection.trustDomain.name
        var popKey: X509PoPSigningKey?
        switch attestor {
        case .joinToken:
            guard let joinToken, !joinToken.isEmpty else {
                throw AgentError(.attestationFailed, "the agent has no SVID yet and no join token: pass -joinToken TOKEN (from `steeple-server token generate`) or set join_token in agent { }")
            }
            params.attestationType = "join_token"
            params.payload = Data(joinToken.utf8)
        case .x509pop(let certificatePath, let privateKeyPath, let intermediatesPath):
            let (chain, privateKey) = try Self.loadX509PoP(certificatePath: certificatePath, privateKeyPath: privateKeyPath, intermediatesPath: intermediatesPath)
            params.attestationType = "x509pop"
            params.payload = Data(X509PoPMessages.encode(X509PoPMessages.AttestationData(certificates: chain.map { Data($0.spiffeDERBytes) })))
            popKey = privateKey
        case .k8sPSAT(let cluster, let tokenPath):
            params.attestationType = "k8s_psat"
            params.payload = Data(try Self.psatPayload(cluster: cluster, tokenPath: tokenPath))
        case .gcpIIT(let host, let serviceAccount):
            params.attestationType = "gcp_iit"
            params.payload = Data(try await CloudAttestationData.gcpIIT(host: host, serviceAccount: serviceAccount))
        case .awsIID(let endpoint):
            params.attestationType = "aws_iid"
            params.payload = Data(try await CloudAttestationData.awsIID(endpoint: endpoint))
        case .azureMSI(let resource, let endpoint):
            params.attestationType = "azure_msi"
            params.payload = Data(try await CloudAttestationData.azureMSI(resource: resource, endpoint: endpoint))
        }
        let firstMessage = params
        let signer = popKey
        let trustDomain = connection.trustDomain
        let (answers, answerSink) = AsyncStream<[UInt8]>.makeStream()
        let result: Steeple_Server_V1_AttestAgentResponse.Result
        do {
            result = try await attest(connection: connection, trust: trust, firstMessage: firstMessage, signer: signer, answers: answers, answerSink: answerSink)
        } catch let error as RPCError where ![.unavailable, .deadlineExceeded, .cancelled].contains(error.code) {
            // The server refused: SPIRE's words, which operators and SPIRE's suites grep for.
            throw AgentError(.attestationFailed, "failed to attest: \(error.message)")
        }
        let chain = try X509Bundle(trustDomain: trustDomain, derBytes: Array(result.x509SvidChain)).x509Authorities
        let id = try X509SVIDVerifier.validateShape(of: chain)
        guard id.trustDomain == trustDomain, id.path.hasPrefix("/spire/agent/") else {
            throw AgentError(.attestationFailed, "the server issued \(id), which is not an agent ID of \(trustDomain)")
        }
        let bundle = try SPIFFEBundle(trustDomain: trustDomain, json: Array(result.trustBundleJson))
        return (AgentIdentity(id: id, chain: chain, privateKey: key, receivedAt: Date()), bundle)
    }

    private func attest(
        connection: ServerConnection, trust: ServerTrust, firstMessage: Steeple_Server_V1_AttestAgentRequest.Params,
        signer: X509PoPSigningKey?, answers: AsyncStream<[UInt8]>, answerSink: AsyncStream<[UInt8]>.Continuation
    ) async throws -> Steeple_Server_V1_AttestAgentResponse.Result {
        try await connection.withClient(identity: nil, trust: trust) { client in
            try await client.attestAgent(requestProducer: { writer in
                var message = Steeple_Server_V1_AttestAgentRequest()
                message.params = firstMessage
                try await writer.write(message)
                for await answer in answers {
                    var reply = Steeple_Server_V1_AttestAgentRequest()
                    reply.challengeResponse = Data(answer)
                    try await writer.write(reply)
                }
            }, onResponse: { response in
                defer { answerSink.finish() }
                for try await message in response.messages {
                    switch message.step {
                    case .challenge(let bytes):
                        guard let signer else { throw AgentError(.attestationFailed, "the server sent a challenge the join_token attestor cannot answer") }
                        do {
                            let challenge = try X509PoPMessages.decode(X509PoPMessages.Challenge.self, from: Array(bytes), what: "challenge")
                            answerSink.yield(X509PoPMessages.encode(try X509PoPProof.response(to: challenge, with: signer)))
                        } catch let error as X509PoPError {
                            throw AgentError(.attestationFailed, "x509pop: unable to answer the server's challenge: \(error.message)")
                        }
                    case .result(let result):
                        return result
                    case nil:
                        continue
                    }
                }
                throw AgentError(.attestationFailed, "the server ended attestation without a result")
            })
        }
    }

    /// SPIRE's `k8s_psat` payload, `{"cluster":…,"token":…}`, with the token as the file holds it (read now: the
    /// kubelet rotates it in place).
    static func psatPayload(cluster: String, tokenPath: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: tokenPath) else {
            throw AgentError(.attestationFailed, "k8s_psat: unable to load token from \(tokenPath): the file cannot be read (is the projected service account token volume mounted there? set token_path)")
        }
        guard !data.isEmpty else {
            throw AgentError(.attestationFailed, "k8s_psat: unable to load token from \(tokenPath): \"\(tokenPath)\" is empty")
        }
        struct Payload: Encodable {
            var cluster: String
            var token: String
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(Payload(cluster: cluster, token: String(decoding: data, as: UTF8.self))))
    }

    static func loadX509PoP(certificatePath: String, privateKeyPath: String, intermediatesPath: String?) throws -> ([Certificate], X509PoPSigningKey) {
        func read(_ path: String, _ what: String) throws -> String {
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw AgentError(.attestationFailed, "x509pop \(what) \(path) cannot be read")
            }
            return text
        }
        let anyDomain = try TrustDomain("x509pop.invalid")
        var chain = try X509Bundle(trustDomain: anyDomain, pem: try read(certificatePath, "certificate_path")).x509Authorities
        if let intermediatesPath {
            chain += try X509Bundle(trustDomain: anyDomain, pem: try read(intermediatesPath, "intermediates_path")).x509Authorities
        }
        let key: X509PoPSigningKey
        do {
            key = try X509PoPSigningKey(pemEncoded: try read(privateKeyPath, "private_key_path"))
        } catch let error as X509PoPError {
            throw AgentError(.attestationFailed, "x509pop private_key_path \(privateKeyPath): \(error.message)")
        }
        guard chain.first?.publicKey == key.publicKey else {
            throw AgentError(.attestationFailed, "x509pop private_key_path \(privateKeyPath) does not match the certificate in \(certificatePath)")
        }
        return (chain, key)
    }
}
