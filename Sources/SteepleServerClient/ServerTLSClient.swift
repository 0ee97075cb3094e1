package import GRPCCore
package import GRPCNIOTransportHTTP2
import NIOCore
import NIOSSL
package import SPIFFE
import SwiftASN1
package import X509

#if canImport(Glibc)
import Glibc
#endif

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A gRPC client of a server's TCP port (SPIRE's server API and Steeple's agent API), over TLS: it presents
/// `credentials` and checks that the server presents `spiffe://<td>/spire/server` chained to the trust bundle.
/// Agents connect with their agent SVID; a downstream server (`UpstreamAuthority "spire"`) with the X509-SVID its
/// local agent gives it. The connection lives for one `withGRPCClient` call.
package struct ServerTLSClient: Sendable {
    package let host: String
    package let port: Int
    package let trustDomain: TrustDomain

    package init(host: String, port: Int, trustDomain: TrustDomain) {
        self.host = host
        self.port = port
        self.trustDomain = trustDomain
    }

    /// Runs `body` with a client connected as `credentials` (the leaf first, then intermediates).
    package func withGRPCClient<Result: Sendable>(
        credentials: (chain: [Certificate], privateKey: Certificate.PrivateKey),
        trust: ServerTrust,
        _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result
    ) async throws -> Result {
        let serverID = try SPIFFEID(trustDomain: trustDomain, path: "/spire/server")
        var security = HTTP2ClientTransport.Posix.TransportSecurity.TLS(
            certificateChain: credentials.chain.map { .bytes($0.spiffeDERBytes, format: .der) },
            privateKey: .bytes(Array(try credentials.privateKey.serializeAsPEM().pemString.utf8), format: .pem),
            serverCertificateVerification: .noHostnameVerification,
            trustRoots: .certificates([])
        )
        security.customVerificationCallback = { certificates, promise in
            guard case .bundle(let bundle) = trust else {
                // insecure_bootstrap authenticates nothing, but a server that says it belongs to another trust domain
                // is refused before the agent sends it a join token: the token would be wasted on it.
                if let presented = Self.presentedID(certificates.first), presented != serverID {
                    promise.fail(ServerTLSClientError(message: "the server presented \(presented), expected \(serverID): it serves another trust domain"))
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
                        promise.fail(ServerTLSClientError(message: "the server presented \(verified.id), expected \(serverID)"))
                        return
                    }
                    promise.succeed(.certificateVerified(VerificationMetadata(nil)))
                } catch {
                    promise.fail(error)
                }
            }
        }
        let transport = try HTTP2ClientTransport.Posix(target: target, transportSecurity: .tls(security))
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
}

/// Why a connection to the server was refused: the server's certificate did not name or chain as required.
package struct ServerTLSClientError: Error, CustomStringConvertible {
    package let message: String
    package var description: String { message }
}
