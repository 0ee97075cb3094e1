import Crypto
import Logging
import NIOCertificateReloading
import NIOSSL
import SPIFFE
import SPIFFETestSupport
import SteepleDatastore
import Synchronization
import Testing
import X509

@testable import SteepleServer

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The refresher against a real bundle endpoint (our server, on loopback TLS) serving what each test chooses: a good
/// bundle is stored; a broken, empty, oversized, backwards or wrongly-authenticated answer keeps the last good one
/// and says why.
@Suite("federated bundle refresher")
struct FederatedBundleRefresherTests {
    static let peer = try! TrustDomain("peer.test")
    static let endpointID = try! SPIFFEID("spiffe://peer.test/spire/server")
    static let peerCA = TestCA(trustDomain: peer)

    struct FixedCertificate: CertificateReloader {
        let sslContextConfigurationOverride: NIOSSLContextConfigurationOverride
    }

    final class Served: Sendable {
        let body = Mutex<[UInt8]>([])
        func set(_ bytes: [UInt8]) { body.withLock { $0 = bytes } }
    }

    struct Pokes: ChangeNotifier {
        let count = Counter()
        final class Counter: Sendable {
            let value = Mutex(0)
        }
        func poke() { count.value.withLock { $0 += 1 } }
    }

    /// The peer's bundle at `sequence`, with one JWT key.
    static func bundle(sequence: UInt64?, jwt: Bool = true) -> SPIFFEBundle {
        let key = Certificate.PublicKey(P256.Signing.PrivateKey().publicKey)
        return SPIFFEBundle(trustDomain: peer, x509Authorities: [peerCA.certificate], jwtAuthorities: jwt ? ["k1": key] : [:], sequenceNumber: sequence, refreshHint: .seconds(60))
    }

    /// A store holding the peer's bootstrap bundle (sequence 5) and a relationship to an endpoint presenting
    /// `presented` and answering `served`; runs `body` with the refresher.
    static func withEndpoint(
        presenting presented: X509SVID = peerCA.makeSVID(endpointID),
        expecting expected: SPIFFEID = endpointID,
        _ body: (FederatedBundleRefresher, InMemoryDatastore, Served, Pokes) async throws -> Void
    ) async throws {
        let served = Served()
        var configuration = BundleEndpointConfiguration()
        configuration.address = "127.0.0.1"
        configuration.port = 0
        let server = BundleEndpointServer(
            configuration: configuration,
            certificates: FixedCertificate(sslContextConfigurationOverride: try ServerSVIDSource.override(for: presented)),
            document: { served.body.withLock { $0 } },
            logger: Logger(label: "test")
        )
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        try await withThrowingTaskGroup { group in
            group.addTask { try await server.run(onListening: { listening.yield($0) }) }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let store = InMemoryDatastore()
            _ = try await store.setBundle(Self.bundle(sequence: 5, jwt: false).record)
            let relationship = FederationRelationship(trustDomain: peer, bundleEndpointURL: "https://127.0.0.1:\(port)/", profile: .httpsSPIFFE(endpointSPIFFEID: expected))
            _ = try await store.createFederationRelationship(relationship, bundle: nil)
            let pokes = Pokes()
            let refresher = FederatedBundleRefresher(
                ownTrustDomain: try TrustDomain("example.org"), configured: [], relationships: store, bundles: store,
                client: BundleEndpointClient(webTrustRoots: { .certificates([]) }), changes: pokes, logger: Logger(label: "test")
            )
            try await body(refresher, store, served, pokes)
            group.cancelAll()
        }
    }

    /// Expects the refresh to fail with a message containing `reason` and the stored bundle to be unchanged.
    static func expectRefused(_ refresher: FederatedBundleRefresher, _ store: InMemoryDatastore, _ pokes: Pokes, _ reason: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let before = try await store.fetchBundle(trustDomain: peer)
        do {
            _ = try await refresher.refreshBundle(of: peer)
            Issue.record("the refresh succeeded; expected a failure with \(reason)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.message.contains(reason), "\(error.message)", sourceLocation: sourceLocation)
        }
        #expect(try await store.fetchBundle(trustDomain: peer) == before, "the stored bundle changed", sourceLocation: sourceLocation)
        #expect(pokes.count.value.withLock { $0 } == 0, sourceLocation: sourceLocation)
    }

    @Test("a complete bundle with a newer sequence is stored and agents are told; the same bundle again writes nothing")
    func storesGoodBundle() async throws {
        try await Self.withEndpoint { refresher, store, served, pokes in
            let fresh = Self.bundle(sequence: 6)
            served.set(fresh.jsonRepresentation)
            let first = try await refresher.refreshBundle(of: Self.peer)
            #expect(first)
            let stored = try #require(try await store.fetchBundle(trustDomain: Self.peer))
            #expect(stored.sequenceNumber == 6)
            #expect(try SPIFFEBundle(trustDomain: Self.peer, json: stored.document).jwtAuthorities.count == 1)
            #expect(pokes.count.value.withLock { $0 } == 1)
            let events = try await store.listEvents(after: 0, limit: 100).count
            let second = try await refresher.refreshBundle(of: Self.peer)
            #expect(second)
            #expect(try await store.listEvents(after: 0, limit: 100).count == events)
            #expect(pokes.count.value.withLock { $0 } == 1)
        }
    }

    @Test("a trust domain without a relationship is not managed")
    func unmanaged() async throws {
        try await Self.withEndpoint { refresher, _, _, _ in
            let managed = try await refresher.refreshBundle(of: try TrustDomain("nope.test"))
            #expect(managed == false)
        }
    }

    @Test("garbage, an empty bundle, an oversized answer and a sequence that goes backwards keep the last good bundle")
    func badAnswers() async throws {
        try await Self.withEndpoint { refresher, store, served, pokes in
            served.set(Array("<html>not a bundle</html>".utf8))
            try await Self.expectRefused(refresher, store, pokes, "failed to decode bundle")
            served.set(Array(#"{"keys":[]}"#.utf8))
            try await Self.expectRefused(refresher, store, pokes, "holds no authority")
            served.set([UInt8](repeating: 0x20, count: BundleEndpointClient.maximumDocumentBytes + 1))
            try await Self.expectRefused(refresher, store, pokes, "larger than")
            served.set(Self.bundle(sequence: 4).jsonRepresentation)
            try await Self.expectRefused(refresher, store, pokes, "sequence number 4, behind the stored 5")
        }
    }

    @Test("an endpoint with the X509-SVID of another ID, or signed by another CA, fails SPIFFE authentication")
    func wrongEndpointIdentity() async throws {
        try await Self.withEndpoint(expecting: try SPIFFEID("spiffe://peer.test/other")) { refresher, store, served, pokes in
            served.set(Self.bundle(sequence: 6).jsonRepresentation)
            try await Self.expectRefused(refresher, store, pokes, "presented the X509-SVID of spiffe://peer.test/spire/server, not spiffe://peer.test/other")
        }
        let impostor = TestCA(trustDomain: Self.peer)
        try await Self.withEndpoint(presenting: impostor.makeSVID(Self.endpointID)) { refresher, store, served, pokes in
            served.set(Self.bundle(sequence: 6).jsonRepresentation)
            try await Self.expectRefused(refresher, store, pokes, "does not verify against the bundle of peer.test")
        }
    }

    @Test("the wait after a fetch is a quarter of the refresh hint, within bounds")
    func interval() {
        #expect(FederatedBundleRefresher.interval(refreshHint: .seconds(60)) == .seconds(15))
        #expect(FederatedBundleRefresher.interval(refreshHint: nil) == .seconds(75))
        #expect(FederatedBundleRefresher.interval(refreshHint: .zero) == .seconds(75))
        #expect(FederatedBundleRefresher.interval(refreshHint: .seconds(2)) == .seconds(1))
        #expect(FederatedBundleRefresher.interval(refreshHint: .seconds(7 * 86400)) == .seconds(6 * 3600))
    }
}
