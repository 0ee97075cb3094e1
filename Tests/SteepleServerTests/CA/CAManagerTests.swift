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

    /// The settings of server `id` among several on one datastore: its own journal, the bundle shared.
    static func sharedSettings(_ id: String) throws -> CAManager.Settings {
        var settings = try Self.settings()
        settings.journalID = "server/" + id
        settings.sharesBundle = true
        return settings
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

    @Test("servers sharing a datastore: each has its own CA and journal; the bundle holds all; a rotation keeps the other's authorities and drops only its own expired ones")
    func sharedBundle() async throws {
        let store = InMemoryDatastore()
        let shared = Self.sharedSettings
        let a = try await CAManager.start(settings: try shared("a"), keyManager: InMemoryKeyManager(), store: store, logger: Logger(label: "test"), now: Self.t0)
        let b = try await CAManager.start(settings: try shared("b"), keyManager: InMemoryKeyManager(), store: store, logger: Logger(label: "test"), now: Self.t0.addingTimeInterval(3600))
        let rootA = a.certificateAuthority.x509Authority.certificate
        let rootB = b.certificateAuthority.x509Authority.certificate
        #expect(rootA != rootB)
        #expect(Set(b.bundle.x509Authorities) == [rootA, rootB], "B publishes A's authority next to its own")
        #expect(b.bundle.jwtAuthorities.count == 2)
        #expect(try await store.fetchCAJournal(id: "server/a") != nil)
        #expect(try await store.fetchCAJournal(id: "server/b") != nil)

        // A learns of B's authorities when told of the bundle change (the entry index does this on the event).
        #expect(a.bundle.x509Authorities == [rootA])
        await a.reloadSharedBundle()
        #expect(Set(a.bundle.x509Authorities) == [rootA, rootB])
        #expect(a.bundle.sequenceNumber == b.bundle.sequenceNumber)

        // A prepares its next CA: B's stays published.
        #expect(try await a.rotate(now: Self.t0.addingTimeInterval(12 * Self.hour)))
        #expect(a.bundle.x509Authorities.count == 3)
        #expect(a.bundle.x509Authorities.contains(rootB))

        // A's first CA expires and A prunes it; B's first CA (one hour younger) is still valid and stays.
        _ = try await a.rotate(now: Self.t0.addingTimeInterval(20 * Self.hour))
        _ = try await a.rotate(now: Self.t0.addingTimeInterval(24 * Self.hour + 60))
        #expect(!a.bundle.x509Authorities.contains(rootA))
        #expect(a.bundle.x509Authorities.contains(rootB))
        let stored = try #require(try await store.fetchBundle(trustDomain: try TrustDomain("example.org")))
        #expect(stored.sequenceNumber == a.bundle.sequenceNumber)
    }

    @Test("rotation logs SPIRE's lines, with local_authority_id: X509 CA / JWT key prepared, then activated")
    func rotationLogLines() async throws {
        let lines = RecordedLines()
        let logger = Logger(label: "test") { _ in RecordingLogHandler(lines: lines) }
        let ca = try await CAManager.start(settings: try Self.settings(), keyManager: InMemoryKeyManager(), store: InMemoryDatastore(), logger: logger, now: Self.t0)
        _ = try await ca.rotate(now: Self.t0.addingTimeInterval(12 * Self.hour))
        _ = try await ca.rotate(now: Self.t0.addingTimeInterval(20 * Self.hour))
        let messages = lines.all.map(\.message)
        for message in ["X509 CA prepared", "JWT key prepared", "X509 CA activated", "JWT key activated"] {
            #expect(messages.contains(message), "\(messages)")
        }
        let activated = try #require(lines.all.first { $0.message == "X509 CA activated" })
        let keyID = try #require(try ca.certificateAuthority.x509Authority.certificate.extensions.subjectKeyIdentifier?.keyIdentifier)
        #expect(activated.metadata["local_authority_id"] == "\(keyID.map { String(format: "%02x", $0) }.joined())")
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
