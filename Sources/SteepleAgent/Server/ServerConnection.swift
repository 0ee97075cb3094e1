import Crypto
package import GRPCCore
package import GRPCNIOTransportHTTP2
package import SPIFFE
package import SteepleServerClient
package import SteepleServerAPIProto
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How the agent checks the server (shared with downstream servers, which connect the same way).
package typealias ServerTrust = SteepleServerClient.ServerTrust

/// One connection to the server's agent API: gRPC over TCP with TLS. The agent presents its SVID (or, before it has
/// one, a throwaway self-signed certificate for attestation) and checks that the server presents
/// `spiffe://<td>/spire/server` chained to the bundle. The connection lives for one `withClient` call; the agent opens
/// a new one when its SVID or the bundle changes.
package struct ServerConnection: Sendable {
    let host: String
    let port: Int
    let trustDomain: TrustDomain

    package init(host: String, port: Int, trustDomain: TrustDomain) {
        self.host = host
        self.port = port
        self.trustDomain = trustDomain
    }

    package typealias Client = Steeple_Server_V1_AgentAPI.Client<HTTP2ClientTransport.Posix>

    package func withClient<Result: Sendable>(
        identity: AgentIdentity?,
        trust: ServerTrust,
        _ body: (Client) async throws -> Result
    ) async throws -> Result {
        try await withGRPCClient(identity: identity, trust: trust) { grpc in try await body(Client(wrapping: grpc)) }
    }

    /// The connection as a plain gRPC client, for clients of other APIs on the same port (SPIRE's server API).
    package func withGRPCClient<Result: Sendable>(
        identity: AgentIdentity?,
        trust: ServerTrust,
        _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result
    ) async throws -> Result {
        let credentials = try identity.map { ($0.chain, $0.privateKey) } ?? Self.throwawayCredentials()
        return try await ServerTLSClient(host: host, port: port, trustDomain: trustDomain)
            .withGRPCClient(credentials: credentials, trust: trust, body)
    }

    /// A self-signed certificate for the TLS handshake of `AttestAgent`, which the server does not authenticate.
    static func throwawayCredentials() throws -> ([Certificate], Certificate.PrivateKey) {
        let key = CSRBuilder.newKey()
        let name = try DistinguishedName { CommonName("steeple-agent attestation") }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
            notValidBefore: now - 60, notValidAfter: now + 600, issuer: name, subject: name,
            signatureAlgorithm: .ecdsaWithSHA256, extensions: Certificate.Extensions(), issuerPrivateKey: key)
        return ([certificate], key)
    }
}
