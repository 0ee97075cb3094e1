import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import SPIFFE
import SPIFFECA
import SPIFFEWorkloadAPI
import SPIREAPIProto
import SteepleServerClient
import SwiftASN1
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The upstream could not be reached (no SVID from the local agent yet, no connection): waiting can cure it, unlike a
/// refusal.
struct UpstreamUnreachable: Error, Sendable, CustomStringConvertible {
    var description: String { "the upstream server is unreachable for now" }
}

/// SPIRE's `UpstreamAuthority "spire"` (nested servers): this server's X.509 CA is signed by an upstream server of
/// the same trust domain. The local agent (attested to the upstream server) serves this server an X509-SVID of a
/// `-downstream` entry on `workload_api_socket`; with it the server calls the upstream's SPIRE API over mTLS:
/// `NewDownstreamX509CA` for each new CA, `PublishJWTAuthority` for each new JWT key, and `GetBundle` to follow the
/// upstream bundle (``UpstreamBundlePoller``).
struct SPIREUpstreamAuthority: UpstreamAuthority {
    let trustDomain: TrustDomain
    let server: ServerTLSClient
    let workloadAPI: WorkloadAPIEndpoint
    let logger: Logger

    init(trustDomain: TrustDomain, serverAddress: String, serverPort: Int, workloadAPISocket: String, logger: Logger) throws {
        self.trustDomain = trustDomain
        self.server = ServerTLSClient(host: serverAddress, port: serverPort, trustDomain: trustDomain)
        do {
            // SPIRE's key is a path; an address with a scheme is taken too.
            self.workloadAPI = workloadAPISocket.contains("://")
                ? try WorkloadAPIEndpoint(workloadAPISocket) : try WorkloadAPIEndpoint(unixSocketPath: workloadAPISocket)
        } catch {
            throw CAError(.upstreamAuthority, "workload_api_socket \"\(workloadAPISocket)\" is not a Workload API address: \(error.message)")
        }
        self.logger = logger
    }

    func mintX509CA(
        trustDomain: TrustDomain, privateKey: Certificate.PrivateKey, subject: DistinguishedName, ttl: Duration, now: Date
    ) async throws -> X509Authority {
        var request = Spire_Api_Server_Svid_V1_NewDownstreamX509CARequest()
        request.csr = Data(try Self.csr(for: privateKey, trustDomain: trustDomain))
        request.preferredTtl = Int32(clamping: ttl.components.seconds)
        var agentRoots: [Certificate] = []
        let response = try await call("NewDownstreamX509CA") { grpc, roots in
            agentRoots = roots
            return try await Spire_Api_Server_Svid_V1_SVID.Client(wrapping: grpc).newDownstreamX509CA(request, options: Self.callOptions)
        }
        let authority = try Self.authority(from: response, privateKey: privateKey, trustDomain: trustDomain, now: now)
        // The chain must also end at a root the local agent trusts: the answer's roots alone are the upstream's word.
        let top = authority.upstreamChain.last ?? authority.certificate
        guard agentRoots.contains(where: { $0.subject == top.issuer && $0.publicKey.isValidSignature(top.signature, for: top) }) else {
            throw CAError(.upstreamAuthority, "the CA from the upstream server does not chain to a root of the bundle the local agent serves")
        }
        return authority
    }

    func publishJWTKey(keyID: String, publicKey: Certificate.PublicKey, notAfter: Date) async throws -> [String: Certificate.PublicKey]? {
        var request = Spire_Api_Server_Bundle_V1_PublishJWTAuthorityRequest()
        request.jwtAuthority.keyID = keyID
        request.jwtAuthority.publicKey = Data(try publicKey.serializeAsPEM().derBytes)
        request.jwtAuthority.expiresAt = Int64(notAfter.timeIntervalSince1970)
        let response = try await call("PublishJWTAuthority") { grpc, _ in
            try await Spire_Api_Server_Bundle_V1_Bundle.Client(wrapping: grpc).publishJWTAuthority(request, options: Self.callOptions)
        }
        var bundle = Spire_Api_Types_Bundle()
        bundle.trustDomain = trustDomain.name
        bundle.jwtAuthorities = response.jwtAuthorities
        do {
            let keys = try SPIFFEBundle(spireBundle: bundle).jwtAuthorities
            logger.info("JWT key published upstream", metadata: ["kid": "\(keyID)", "upstream_jwt_authorities": "\(keys.count)"])
            return keys
        } catch {
            throw CAError(.upstreamAuthority, "the upstream server answered PublishJWTAuthority with a malformed JWT authority: \(error.message)")
        }
    }

    /// The upstream server's bundle now (SPIRE's plugin polls it every 5 s).
    func fetchBundle() async throws -> UpstreamBundle {
        let proto = try await call("GetBundle") { grpc, _ in
            try await Spire_Api_Server_Bundle_V1_Bundle.Client(wrapping: grpc).getBundle(Spire_Api_Server_Bundle_V1_GetBundleRequest(), options: Self.callOptions)
        }
        do {
            let bundle = try SPIFFEBundle(spireBundle: proto)
            guard bundle.trustDomain == trustDomain else {
                throw CAError(.upstreamAuthority, "the upstream server sent the bundle of \(bundle.trustDomain), expected \(trustDomain): nested servers share one trust domain")
            }
            guard !bundle.x509Authorities.isEmpty else {
                throw CAError(.upstreamAuthority, "the upstream server sent a bundle without X.509 authorities")
            }
            return UpstreamBundle(roots: bundle.x509Authorities, jwtKeys: bundle.jwtAuthorities)
        } catch let error as CAError {
            throw error
        } catch {
            throw CAError(.upstreamAuthority, "the upstream server sent a malformed bundle: \(error)")
        }
    }

    /// Every call has a deadline: a CA mutation waits on it, and an upstream that accepts and then stalls must not hold
    /// this server's rotation and LocalAuthority operations forever.
    static let callOptions: CallOptions = {
        var options = CallOptions.defaults
        options.timeout = .seconds(30)
        return options
    }()

    /// Runs `body` with a client of the upstream server, connected as the X509-SVID the local agent serves now and
    /// trusting the bundle it serves. Failures name the step and the address.
    private func call<Result: Sendable>(
        _ method: String, _ body: (GRPCClient<HTTP2ClientTransport.Posix>, _ agentRoots: [Certificate]) async throws -> Result
    ) async throws -> Result {
        let context: X509Context
        do {
            context = try await withWorkloadAPIClient(endpoint: workloadAPI) { try await $0.fetchX509Context() }
        } catch {
            throw CAError(
                .upstreamAuthority,
                "no X509-SVID from the local agent at \(workloadAPI) (\(error)): the agent must run, be attested to the upstream server, and have a -downstream entry for this server",
                cause: UpstreamUnreachable())
        }
        let svid = context.defaultSVID
        guard let roots = context.bundles.x509Bundle(for: trustDomain)?.x509Authorities, !roots.isEmpty else {
            throw CAError(.upstreamAuthority, "the local agent at \(workloadAPI) serves no bundle for \(trustDomain)")
        }
        do {
            return try await server.withGRPCClient(
                credentials: (svid.certificates, svid.privateKey),
                trust: .bundle(SPIFFEBundle(trustDomain: trustDomain, x509Authorities: roots))
            ) { grpc in try await body(grpc, roots) }
        } catch let error as RPCError {
            throw CAError(.upstreamAuthority, "the upstream server at \(server.host):\(server.port) refused \(method) for \(svid.id): \(error.code): \(error.message)")
        } catch {
            throw CAError(.upstreamAuthority, "cannot call \(method) on the upstream server at \(server.host):\(server.port): \(error)", cause: UpstreamUnreachable())
        }
    }

    /// A CSR for the CA key with the URI SAN of the trust domain, as SPIRE's (an upstream server takes only the key;
    /// Vault also reads the subject).
    static func csr(for key: Certificate.PrivateKey, trustDomain: TrustDomain, subject: DistinguishedName = DistinguishedName()) throws -> [UInt8] {
        let extensions = try Certificate.Extensions { SubjectAlternativeNames([.uniformResourceIdentifier(trustDomain.idString)]) }
        let request = try CertificateSigningRequest(
            version: .v1,
            subject: subject,
            privateKey: key,
            attributes: CertificateSigningRequest.Attributes([.init(ExtensionRequest(extensions: extensions))]),
            signatureAlgorithm: CAKeyType.signatureAlgorithm(for: key)
        )
        var serializer = DER.Serializer()
        try serializer.serialize(request)
        return serializer.serializedBytes
    }

    /// Checks what the upstream signed before it becomes this server's CA (``UpstreamAnswer/authority(chain:roots:privateKey:trustDomain:now:)``).
    static func authority(
        from response: Spire_Api_Server_Svid_V1_NewDownstreamX509CAResponse, privateKey: Certificate.PrivateKey, trustDomain: TrustDomain, now: Date
    ) throws -> X509Authority {
        let chain: [Certificate]
        let roots: [Certificate]
        do {
            chain = try response.caCertChain.map { try Certificate(derEncoded: Array($0)) }
            roots = try response.x509Authorities.map { try Certificate(derEncoded: Array($0)) }
        } catch {
            throw CAError(.upstreamAuthority, "the upstream server answered NewDownstreamX509CA with a malformed certificate: \(error)")
        }
        return try UpstreamAnswer.authority(chain: chain, roots: roots, privateKey: privateKey, trustDomain: trustDomain, now: now, source: "the upstream server")
    }
}
