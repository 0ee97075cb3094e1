import NIOSSL
import SPIFFE
import SPIFFENIOSSL
import SPIFFETestSupport
import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A Swift mTLS client against a Swift mTLS server, over loopback TCP.
@Suite("mTLS between Swift peers")
struct SwiftPeerTests {
    @Test("each side verifies and reads the other's SPIFFE ID")
    func mutualSuccess() async throws {
        // The server presents a fixed SVID, as from files: StaticX509Source.
        let fixed = StaticX509Source(svid: Identities.ca.makeSVID(Identities.server), bundles: X509BundleSet([Identities.ca.bundle]))
        let server = try await EchoServer.start(tls: SPIFFEMTLSServerConfiguration(source: fixed, authorizer: .id(Identities.client)))
        let client = SPIFFEMTLSClientConfiguration(source: Identities.source(Identities.client), authorizer: .id(Identities.server))

        let reply = try await echoOnce("ping", port: server.port, tls: client)

        #expect(reply.text == "ping")
        #expect(reply.serverID == Identities.server)
        #expect(try await server.firstEvents() == [.verified(Identities.client)])
        try await server.stop()
    }

    @Test("memberOf, oneOf and custom authorizers accept a matching peer")
    func otherAuthorizers() async throws {
        let matchers: [SPIFFEIDMatcher] = [
            .any,
            .memberOf(Identities.exampleOrg),
            .oneOf([Identities.intruder, Identities.client]),
            .custom { $0.path.hasPrefix("/cli") },
        ]
        for matcher in matchers {
            let server = try await EchoServer.start(
                tls: SPIFFEMTLSServerConfiguration(source: Identities.source(Identities.server), authorizer: matcher)
            )
            let client = SPIFFEMTLSClientConfiguration(source: Identities.source(Identities.client), authorizer: .any)
            #expect(try await echoOnce("ping", port: server.port, tls: client).text == "ping")
            #expect(try await server.firstEvents() == [.verified(Identities.client)])
            try await server.stop()
        }
    }

    @Test("the server refuses a client whose ID it does not authorize")
    func serverRefusesUnauthorizedClient() async throws {
        let rejections = RejectionLog()
        let server = try await EchoServer.start(
            tls: SPIFFEMTLSServerConfiguration(
                source: Identities.source(Identities.server),
                authorizer: .id(Identities.client),
                logger: rejections.logger
            )
        )
        let intruder = SPIFFEMTLSClientConfiguration(source: Identities.source(Identities.intruder), authorizer: .any)

        await #expect(throws: (any Error).self) { try await echoOnce("ping", port: server.port, tls: intruder) }
        #expect(try await server.firstEvents().first?.isFailure == true)
        #expect(try await rejections.recordedCodes() == ["idNotAuthorized"])
        try await server.stop()
    }

    @Test("the client refuses a server whose ID it does not authorize")
    func clientRefusesUnauthorizedServer() async throws {
        let server = try await EchoServer.start(
            tls: SPIFFEMTLSServerConfiguration(source: Identities.source(Identities.intruder), authorizer: .any)
        )
        let rejections = RejectionLog()
        let client = SPIFFEMTLSClientConfiguration(
            source: Identities.source(Identities.client),
            authorizer: .id(Identities.server),
            logger: rejections.logger
        )

        await #expect(throws: (any Error).self) { try await echoOnce("ping", port: server.port, tls: client) }
        #expect(try await server.firstEvents().first?.isFailure == true)
        #expect(try await rejections.recordedCodes() == ["idNotAuthorized"])
        try await server.stop()
    }

    @Test("the server refuses a client of a trust domain it has no bundle for, even with .any")
    func serverRefusesForeignTrustDomain() async throws {
        let rejections = RejectionLog()
        let server = try await EchoServer.start(
            tls: SPIFFEMTLSServerConfiguration(source: Identities.source(Identities.server), authorizer: .any, logger: rejections.logger)
        )
        // The foreign client trusts example.org, so only the server's check can fail.
        let foreign = SPIFFEMTLSClientConfiguration(
            source: Identities.source(Identities.foreignClient, ca: Identities.otherCA),
            authorizer: .any
        )

        await #expect(throws: (any Error).self) { try await echoOnce("ping", port: server.port, tls: foreign) }
        #expect(try await server.firstEvents().first?.isFailure == true)
        #expect(try await rejections.recordedCodes() == ["noBundleForTrustDomain"])
        try await server.stop()
    }

    @Test("a client refuses a server SVID signed by another trust domain's CA that claims its trust domain")
    func clientRefusesForgedServer() async throws {
        // other.org's CA signs an SVID claiming example.org: the chain does not verify against example.org's bundle.
        let forged = MutableX509Source(svid: Identities.otherCA.makeSVID(Identities.server), bundles: X509BundleSet([Identities.ca.bundle]))
        let server = try await EchoServer.start(tls: SPIFFEMTLSServerConfiguration(source: forged, authorizer: .any))
        let rejections = RejectionLog()
        let client = SPIFFEMTLSClientConfiguration(source: Identities.source(Identities.client), authorizer: .any, logger: rejections.logger)

        await #expect(throws: (any Error).self) { try await echoOnce("ping", port: server.port, tls: client) }
        #expect(try await rejections.recordedCodes() == ["untrustedCertificateChain"])
        try await server.stop()
    }

    @Test("an expired peer SVID is refused by either side")
    func expiredPeerRefused() async throws {
        let expiredClient = MutableX509Source(
            svid: Identities.ca.makeSVID(Identities.client, notAfter: Date(timeIntervalSinceNow: -5)),
            bundles: X509BundleSet([Identities.ca.bundle])
        )
        let serverRejections = RejectionLog()
        let server = try await EchoServer.start(
            tls: SPIFFEMTLSServerConfiguration(source: Identities.source(Identities.server), authorizer: .any, logger: serverRejections.logger)
        )
        let client = SPIFFEMTLSClientConfiguration(source: expiredClient, authorizer: .any)
        await #expect(throws: (any Error).self) { try await echoOnce("ping", port: server.port, tls: client) }
        #expect(try await server.firstEvents().first?.isFailure == true)
        #expect(try await serverRejections.recordedCodes() == ["certificateExpired"])
        try await server.stop()

        let expiredServer = try await EchoServer.start(
            tls: SPIFFEMTLSServerConfiguration(
                source: MutableX509Source(
                    svid: Identities.ca.makeSVID(Identities.server, notAfter: Date(timeIntervalSinceNow: -5)),
                    bundles: X509BundleSet([Identities.ca.bundle])
                ),
                authorizer: .any
            )
        )
        let clientRejections = RejectionLog()
        let goodClient = SPIFFEMTLSClientConfiguration(source: Identities.source(Identities.client), authorizer: .any, logger: clientRejections.logger)
        await #expect(throws: (any Error).self) { try await echoOnce("ping", port: expiredServer.port, tls: goodClient) }
        #expect(try await clientRejections.recordedCodes() == ["certificateExpired"])
        try await expiredServer.stop()
    }

    @Test("customize sets ALPN but cannot switch verification off")
    func customizeCannotWeakenVerification() async throws {
        let rejections = RejectionLog()
        let server = try await EchoServer.start(
            tls: SPIFFEMTLSServerConfiguration(
                source: Identities.source(Identities.server),
                authorizer: .id(Identities.client),
                customize: { configuration in
                    configuration.applicationProtocols = ["spiffe-echo"]
                    configuration.certificateVerification = .none
                    configuration.trustRoots = .default
                },
                logger: rejections.logger
            )
        )
        let client = SPIFFEMTLSClientConfiguration(
            source: Identities.source(Identities.client),
            authorizer: .id(Identities.server),
            customize: { $0.applicationProtocols = ["spiffe-echo"] }
        )
        let reply = try await echoOnce("ping", port: server.port, tls: client)
        #expect(reply.negotiatedProtocol == "spiffe-echo")

        let intruder = SPIFFEMTLSClientConfiguration(source: Identities.source(Identities.intruder), authorizer: .any)
        await #expect(throws: (any Error).self) { try await echoOnce("ping", port: server.port, tls: intruder) }
        #expect(try await rejections.recordedCodes() == ["idNotAuthorized"])
        try await server.stop()
    }

    @Test("a source without an SVID makes no handler")
    func noSVID() throws {
        struct EmptySource: X509SVIDSource, X509BundleSource {
            struct NoSVID: Error {}
            func svid() throws -> X509SVID { throw NoSVID() }
            func x509Bundle(for trustDomain: TrustDomain) -> X509Bundle? { nil }
        }
        let tls = SPIFFEMTLSServerConfiguration(source: EmptySource(), authorizer: .any)
        #expect { _ = try tls.makeHandler() } throws: { ($0 as? SPIFFETLSError)?.code == .svidUnavailable }
    }
}
