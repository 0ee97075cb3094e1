import Crypto
package import GRPCCore
package import GRPCNIOTransportHTTP2
import NIOCore
import NIOSSL
package import SPIFFE
package import SteepleServerAPIProto
import SwiftASN1
import X509

#if canImport(Glibc)
import Glibc
#endif

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

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
        let serverID = try SPIFFEID(trustDomain: trustDomain, path: "/spire/server")
        let tls = HTTP2ClientTransport.Posix.TransportSecurity.TLS(
            certificateChain: credentials.0.map { .bytes($0.spiffeDERBytes, format: .der) },
            privateKey: .bytes(Array(try credentials.1.serializeAsPEM().pemString.utf8), format: .pem),
            serverCertificateVerification: .noHostnameVerification,
            trustRoots: .certificates([])
        )
        var security = tls
        security.customVerificationCallback = { certificates, promise in
            guard case .bundle(let bundle) = trust else {
                // insecure_bootstrap authenticates nothing, but a server that says it belongs to another trust domain
                // is refused before the agent sends it a join token: the token would be wasted on it.
                if let presented = Self.presentedID(certificates.first), presented != serverID {
                    promise.fail(ServerConnectionError(message: "the server presented \(presented), expected \(serverID): it serves another trust domain"))
                    return
                }
                promise.succeed(.certificateVerified(VerificationMetadata(nil)))
                return
            }
            let raw = certificates.compactMap { try? $0.toDERBytes() }
            Task {
                do {
                    let verified = try await X509SVIDVerifier.verify(rawChain: raw, bundles: bundle, at: Date())
                    guard verified.id == serverID else {
                        promise.fail(ServerConnectionError(message: "the server presented \(verified.id), expected \(serverID)"))
                        return
                    }
                    promise.succeed(.certificateVerified(VerificationMetadata(nil)))
                } catch {
                    promise.fail(error)
                }
            }
        }
        let transport = try HTTP2ClientTransport.Posix(
            target: target,
            transportSecurity: .tls(security)
        )
        return try await GRPCCore.withGRPCClient(transport: transport) { grpc in
            try await body(grpc)
        }
    }

    /// The SPIFFE ID in the URI SAN of an unverified leaf certificate, if it has exactly one.
    static func presentedID(_ leaf: NIOSSLCertificate?) -> SPIFFEID? {
        guard let der = try? leaf?.toDERBytes(), let certificate = try? Certificate(derEncoded: der),
            let names = try? certificate.extensions.subjectAlternativeNames
        else { return nil }
        let uris = names.compactMap { name -> String? in
            if case .uniformResourceIdentifier(let uri) = name { return uri }
            return nil
        }
        guard uris.count == 1 else { return nil }
        return try? SPIFFEID(uris[0])
    }

    /// IP literals are targets of their own: a DNS target would send the address as TLS SNI, which TLS forbids.
    var target: any ResolvableTarget {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return .ipv4(address: host, port: port) }
        if inet_pton(AF_INET6, host, &v6) == 1 { return .ipv6(address: host, port: port) }
        return .dns(host: host, port: port)
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

struct ServerConnectionError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
