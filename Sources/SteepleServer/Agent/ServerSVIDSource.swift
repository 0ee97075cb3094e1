import Logging
import NIOCertificateReloading
import NIOSSL
import SPIFFE
import SPIFFECA
import ServiceLifecycle
import Synchronization
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The server's own X509-SVID (`spiffe://<td>/spire/server`), presented on the agent API. It is renewed at half
/// its life (and whenever the CA's active authority changes), and handed to new TLS handshakes through NIO's
/// certificate-reloader hook, so the listener never restarts.
final class ServerSVIDSource: CertificateReloader, Sendable {
    private let issuer: any SVIDIssuer
    private let logger: Logger
    private let current: Mutex<(svid: X509SVID, override: NIOSSLContextConfigurationOverride)>

    init(issuer: any SVIDIssuer, logger: Logger) throws {
        self.issuer = issuer
        self.logger = logger
        let svid = try Self.mint(issuer)
        self.current = Mutex((svid, try Self.override(for: svid)))
    }

    var svid: X509SVID { current.withLock { $0.svid } }

    var sslContextConfigurationOverride: NIOSSLContextConfigurationOverride { current.withLock { $0.override } }

    /// Re-issues the SVID.
    func renew() throws {
        let svid = try Self.mint(issuer)
        let override = try Self.override(for: svid)
        current.withLock { $0 = (svid, override) }
        logger.debug("server SVID renewed", metadata: ["expires_at": "\(svid.expiresAt)"])
    }

    static func mint(_ issuer: any SVIDIssuer) throws -> X509SVID {
        let key = CAKeyType.ecP256.generate()
        let issued = try issuer.issueServerSVID(ServerSVIDRequest(publicKey: key.publicKey))
        return try X509SVID(certificates: issued.chain, privateKey: key)
    }

    static func override(for svid: X509SVID) throws -> NIOSSLContextConfigurationOverride {
        var override = NIOSSLContextConfigurationOverride()
        var sources: [NIOSSLCertificateSource] = []
        for certificate in svid.certificates {
            let der: [UInt8] = X509Bundle(trustDomain: svid.id.trustDomain, x509Authorities: [certificate]).derRepresentation
            sources.append(.certificate(try NIOSSLCertificate(bytes: der, format: .der)))
        }
        override.certificateChain = sources
        override.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: svid.privateKeyDER, format: .der))
        return override
    }
}

/// Renews the server SVID at half its life, and at once when the CA's active authority changes.
struct ServerSVIDRotationService: Service {
    let source: ServerSVIDSource
    /// The subject of the CA's active X.509 authority: when it is no longer the SVID's issuer, the SVID is renewed.
    let activeAuthority: @Sendable () -> DistinguishedName
    let now: @Sendable () -> Date
    let logger: Logger

    func run() async throws {
        try await untilGracefulShutdown {
            while !Task.isCancelled {
                let svid = source.svid
                let halfLife = svid.leaf.notValidBefore.addingTimeInterval(svid.expiresAt.timeIntervalSince(svid.leaf.notValidBefore) / 2)
                let wait = min(max(halfLife.timeIntervalSince(now()), 0.05), 30)
                try await Task.sleep(for: .milliseconds(Int(wait * 1000)))
                let authorityChanged = activeAuthority() != source.svid.leaf.issuer
                if now() >= halfLife || authorityChanged {
                    do {
                        try source.renew()
                    } catch {
                        logger.error("server SVID renewal failed", metadata: ["error": "\(error)"])
                    }
                }
            }
        }
    }
}
