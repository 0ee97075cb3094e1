import Foundation
import Logging
import SPIFFE
import SPIFFECA
@testable import SteepleServer
import SteepleDatastore
import Testing
import X509

/// CA rotation on an injected clock: prepare at ½, activate at ⅚, prune expired authorities, bump the bundle's
/// sequence whenever the published set changes, and find the same CA again after a restart.
@Suite("CAManager")
struct CAManagerTests {
    static let t0 = Date(timeIntervalSince1970: 1_900_000_000)
    static let hour: TimeInterval = 3600

    static func settings() throws -> CAManager.Settings {
        CAManager.Settings(
            trustDomain: try TrustDomain("example.org"),
            caTTL: .seconds(24 * 3600),
            caKeyType: .ecP256,
            jwtKeyType: .ecP256,
            caSubject: ServerConfiguration.defaultCASubject
        )
    }

    @Test("rotates X.509 and JWT authorities on schedule and keeps the bundle's sequence honest")
    func rotation() async throws {
        let store = InMemoryDatastore()
        let keys = InMemoryKeyManager()
        let ca = try await CAManager.start(settings: try Self.settings(), keyManager: keys, store: store, logger: Logger(label: "test"), now: Self.t0)
        let first = ca.certificateAuthority.x509Authority.certificate
        let firstKid = ca.jwtSigningAuthority.key.keyID
        #expect(ca.bundle.x509Authorities == [first])
        #expect(ca.bundle.sequenceNumber == 1)
        #expect(ca.nextRotationEvent == first.notValidBefore.addingTimeInterval(first.notValidAfter.timeIntervalSince(first.notValidBefore) / 2))

        #expect(try await ca.rotate(now: Self.t0.addingTimeInterval(11 * Self.hour)) == false)
        #expect(try await ca.rotate(now: Self.t0.addingTimeInterval(12 * Self.hour)))
        #expect(ca.certificateAuthority.x509Authority.certificate == first, "prepared, not yet active")
        #expect(ca.bundle.x509Authorities.count == 2)
        #expect(ca.bundle.jwtAuthorities.count == 2)
        #expect(ca.bundle.sequenceNumber == 2)

        #expect(try await ca.rotate(now: Self.t0.addingTimeInterval(20 * Self.hour)))
        let second = ca.certificateAuthority.x509Authority.certificate
        #expect(second != first)
        #expect(ca.jwtSigningAuthority.key.keyID != firstKid)
        #expect(ca.bundle.x509Authorities.count == 2, "activation does not change which authorities are published")
        #expect(ca.bundle.sequenceNumber == 3, "but it is announced, so that agents re-issue their SVIDs at once")
        #expect(ca.activeX509KeyID == Array(try #require(try second.extensions.subjectKeyIdentifier?.keyIdentifier)))

        _ = try await ca.rotate(now: Self.t0.addingTimeInterval(24 * Self.hour + 60))
        #expect(!ca.bundle.x509Authorities.contains(first), "expired authority pruned")
        #expect(ca.bundle.x509Authorities.contains(second))
        #expect(ca.bundle.jwtAuthorities[firstKid] == nil)
        #expect((ca.bundle.sequenceNumber ?? 0) >= 4)

        let stored = try #require(try await store.fetchBundle(trustDomain: try TrustDomain("example.org")))
        #expect(stored.sequenceNumber == ca.bundle.sequenceNumber)
    }

    @Test("a restart finds the same CA; with its keys gone the old CA stays published but never signs")
    func restart() async throws {
        let store = InMemoryDatastore()
        let keys = InMemoryKeyManager()
        let first = try await CAManager.start(settings: try Self.settings(), keyManager: keys, store: store, logger: Logger(label: "test"), now: Self.t0)
        let again = try await CAManager.start(settings: try Self.settings(), keyManager: keys, store: store, logger: Logger(label: "test"), now: Self.t0.addingTimeInterval(60))
        #expect(again.certificateAuthority.x509Authority.certificate == first.certificateAuthority.x509Authority.certificate)
        #expect(again.bundle == first.bundle)

        let fresh = try await CAManager.start(settings: try Self.settings(), keyManager: InMemoryKeyManager(), store: store, logger: Logger(label: "test"), now: Self.t0.addingTimeInterval(120))
        #expect(fresh.certificateAuthority.x509Authority.certificate != first.certificateAuthority.x509Authority.certificate)
        #expect(fresh.bundle.x509Authorities.contains(first.certificateAuthority.x509Authority.certificate))
        #expect((fresh.bundle.sequenceNumber ?? 0) > (first.bundle.sequenceNumber ?? 0))
    }
}
