import Foundation
import Logging
import SPIFFE
import SPIFFECA
import SPIFFETestSupport
import SPIREAPIProto
@testable import SteepleServer
import SteepleDatastore
import SteepleSupport
import SwiftASN1
import Synchronization
import Testing
import X509

/// SPIRE's LocalAuthority operations on the CA: forced prepare and activate, taint and revoke, refused in SPIRE's
/// codes and words when they name the wrong authority, persisted in the CA journal, and shown in the bundle.
@Suite("LocalAuthority")
struct LocalAuthorityTests {
    static let t0 = CAManagerTests.t0

    static func refusal(_ body: () async throws -> some Any) async -> LocalAuthorityRefusal? {
        do {
            _ = try await body()
            return nil
        } catch {
            return error as? LocalAuthorityRefusal
        }
    }

    static func keyID(_ certificate: Certificate) -> String {
        HexEncoding.lowercase((try? certificate.extensions.subjectKeyIdentifier?.keyIdentifier) ?? [])
    }

    @Test("X.509: prepare, activate, taint and revoke the previous authority; every wrong ID refused as SPIRE refuses it")
    func x509Lifecycle() async throws {
        let store = InMemoryDatastore()
        let keys = InMemoryKeyManager()
        let settings = try CAManagerTests.settings()
        let ca = try await CAManager.start(settings: settings, keyManager: keys, store: store, logger: Logger(label: "test"), now: Self.t0)
        let first = ca.certificateAuthority.x509Authority.certificate
        let firstID = Self.keyID(first)
        #expect(ca.x509Slots == LocalAuthoritySlots(active: LocalAuthorityState(id: firstID, expiresAt: first.notValidAfter)))

        let prepared = try await ca.prepareX509Authority()
        #expect(ca.x509Slots.prepared == prepared)
        #expect(ca.bundle.x509Authorities.count == 2)
        #expect(ca.bundle.sequenceNumber == 2)
        #expect(await Self.refusal { try await ca.taintX509Authority(id: prepared.id) } == LocalAuthorityRefusal(.invalidArgument, "only Old local authorities can be tainted"))
        #expect(await Self.refusal { try await ca.activateX509Authority(id: "") } == LocalAuthorityRefusal(.invalidArgument, "no authority ID provided"))
        #expect(await Self.refusal { try await ca.activateX509Authority(id: firstID) } == LocalAuthorityRefusal(.invalidArgument, "unexpected authority ID"))

        let activated = try await ca.activateX509Authority(id: prepared.id)
        #expect(activated.id == prepared.id)
        #expect(Self.keyID(ca.certificateAuthority.x509Authority.certificate) == prepared.id, "the issuer signs with the new authority")
        #expect(ca.x509Slots.old?.id == firstID)
        #expect(ca.x509Slots.prepared == nil)
        #expect(await Self.refusal { try await ca.activateX509Authority(id: firstID) } == LocalAuthorityRefusal(.internalError, "only Prepared authorities can be activated"))
        #expect(await Self.refusal { try await ca.taintX509Authority(id: prepared.id) } == LocalAuthorityRefusal(.invalidArgument, "unable to taint current local authority"))
        #expect(await Self.refusal { try await ca.taintX509Authority(id: "00ff") } == LocalAuthorityRefusal(.invalidArgument, "unexpected authority ID"))
        #expect(
            await Self.refusal { try await ca.revokeX509Authority(id: firstID) }
                == LocalAuthorityRefusal(.internalError, "failed to revoke X.509 authority", inner: (.invalidArgument, "it is not possible to revoke an untainted root CA")))
        #expect(await Self.refusal { try await ca.revokeX509Authority(id: prepared.id) } == LocalAuthorityRefusal(.invalidArgument, "invalid authority ID: unable to use current authority"))

        let sequence = ca.bundle.sequenceNumber ?? 0
        let tainted = try await ca.taintX509Authority(id: firstID)
        #expect(tainted == LocalAuthorityState(id: firstID, expiresAt: first.notValidAfter))
        #expect(ca.taintedX509AuthorityIDs == [firstID])
        #expect(ca.bundle.sequenceNumber == sequence + 1, "a taint is announced")
        #expect(ca.bundle.x509Authorities.contains(first), "a tainted authority stays published")
        let firstDER = Data(try first.derBytes())
        let marks = ca.spireBundle.x509Authorities.map { ($0.asn1 == firstDER, $0.tainted) }
        #expect(marks.count == 2 && marks.allSatisfy { $0.0 == $0.1 }, "SPIRE's GetBundle marks the tainted authority and only it")
        #expect(
            await Self.refusal { try await ca.taintX509Authority(id: firstID) }
                == LocalAuthorityRefusal(.internalError, "failed to taint X.509 authority", inner: (.invalidArgument, "root CA is already tainted")))

        // The taint survives a restart (it is in the CA journal).
        let restarted = try await CAManager.start(settings: settings, keyManager: keys, store: store, logger: Logger(label: "test"), now: Self.t0)
        #expect(restarted.taintedX509AuthorityIDs == [firstID])
        #expect(restarted.x509Slots.old?.id == firstID)

        let oldKeyID = try #require(restarted.state.withLock { $0.x509.old.first?.keyManagerID })
        #expect(try await keys.fetchKey(id: oldKeyID) != nil)
        let revoked = try await restarted.revokeX509Authority(id: firstID)
        #expect(revoked == LocalAuthorityState(id: firstID))
        #expect(!restarted.bundle.x509Authorities.contains(first), "a revoked authority leaves the bundle")
        #expect(restarted.taintedX509AuthorityIDs.isEmpty)
        #expect(restarted.x509Slots.old == nil)
        #expect(try await keys.fetchKey(id: oldKeyID) == nil, "its key is deleted")
        let stored = try #require(try await store.fetchBundle(trustDomain: settings.trustDomain))
        #expect(try SPIFFEBundle(trustDomain: settings.trustDomain, json: stored.document).x509Authorities == [restarted.certificateAuthority.x509Authority.certificate])
        #expect(stored.sequenceNumber == restarted.bundle.sequenceNumber)
    }

    @Test("JWT: prepare, activate, taint, revoke; the tainted kid is marked in SPIRE's bundle and sent to agents")
    func jwtLifecycle() async throws {
        let store = InMemoryDatastore()
        let settings = try CAManagerTests.settings()
        let ca = try await CAManager.start(settings: settings, keyManager: InMemoryKeyManager(), store: store, logger: Logger(label: "test"), now: Self.t0)
        let firstKid = ca.jwtSigningAuthority.key.keyID
        #expect(ca.jwtSlots.active.id == firstKid)

        let prepared = try await ca.prepareJWTAuthority()
        #expect(ca.bundle.jwtAuthorities.count == 2)
        #expect(await Self.refusal { try await ca.revokeJWTAuthority(id: prepared.id) } == LocalAuthorityRefusal(.invalidArgument, "invalid authority ID: unable to use a prepared key"))
        _ = try await ca.activateJWTAuthority(id: prepared.id)
        #expect(ca.jwtSigningAuthority.key.keyID == prepared.id)
        #expect(ca.jwtSlots.old?.id == firstKid)
        #expect(await Self.refusal { try await ca.taintJWTAuthority(id: prepared.id) } == LocalAuthorityRefusal(.invalidArgument, "unable to taint current local authority"))
        #expect(await Self.refusal { try await ca.taintJWTAuthority(id: "nope") } == LocalAuthorityRefusal(.invalidArgument, "unexpected authority ID"))
        #expect(
            await Self.refusal { try await ca.revokeJWTAuthority(id: "nope") }
                == LocalAuthorityRefusal(.invalidArgument, "invalid authority ID: no JWT authority found with provided authority ID"))
        #expect(
            await Self.refusal { try await ca.revokeJWTAuthority(id: firstKid) }
                == LocalAuthorityRefusal(.internalError, "failed to revoke JWT authority", inner: (.invalidArgument, "it is not possible to revoke an untainted key")))

        #expect(try await ca.taintJWTAuthority(id: firstKid) == LocalAuthorityState(id: firstKid))
        #expect(ca.taintedJWTKeyIDs == [firstKid])
        #expect(ca.spireBundle.jwtAuthorities.map { "\($0.keyID)=\($0.tainted)" }.sorted() == ["\(firstKid)=true", "\(prepared.id)=false"].sorted())
        #expect(
            await Self.refusal { try await ca.taintJWTAuthority(id: firstKid) }
                == LocalAuthorityRefusal(.internalError, "failed to taint JWT authority", inner: (.invalidArgument, "key is already tainted")))

        _ = try await ca.revokeJWTAuthority(id: firstKid)
        #expect(ca.bundle.jwtAuthorities[firstKid] == nil)
        #expect(ca.taintedJWTKeyIDs.isEmpty)
    }

    @Test("a shared bundle: another server's JWT key (a server gone for good) can be tainted and revoked, and stays gone")
    func foreignJWTKey() async throws {
        let store = InMemoryDatastore()
        let shared = CAManagerTests.sharedSettings
        let gone = try await CAManager.start(settings: try shared("gone"), keyManager: InMemoryKeyManager(), store: store, logger: Logger(label: "test"), now: Self.t0)
        let goneKid = gone.jwtSigningAuthority.key.keyID
        let a = try await CAManager.start(settings: try shared("a"), keyManager: InMemoryKeyManager(), store: store, logger: Logger(label: "test"), now: Self.t0)
        #expect(a.bundle.jwtAuthorities[goneKid] != nil)
        _ = try await a.taintJWTAuthority(id: goneKid)
        _ = try await a.revokeJWTAuthority(id: goneKid)
        #expect(a.bundle.jwtAuthorities[goneKid] == nil)
        #expect(a.bundle.jwtAuthorities[a.jwtSigningAuthority.key.keyID] != nil)
        // A's next rotation step does not bring it back.
        _ = try await a.prepareJWTAuthority()
        #expect(a.bundle.jwtAuthorities[goneKid] == nil)
    }

    @Test("upstream authority: local taint refused; the upstream CA that signed the old authority is tainted, then revoked with it")
    func upstream() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("steeple-la-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func upstream(_ name: String) throws -> (DiskUpstreamAuthority, Certificate) {
            let root = TestCA(trustDomain: try TrustDomain("example.org"))
            let cert = directory + "/\(name).crt"
            let key = directory + "/\(name).key"
            try FileIO.writeAtomically(path: cert, contents: Array(try root.certificate.serializeAsPEM().pemString.utf8), mode: 0o600)
            try FileIO.writeAtomically(path: key, contents: Array(try root.privateKey.serializeAsPEM().pemString.utf8), mode: 0o600)
            return (try DiskUpstreamAuthority(certFilePath: cert, keyFilePath: key, bundleFilePath: nil), root.certificate)
        }
        let store = InMemoryDatastore()
        let keys = InMemoryKeyManager()
        let now = Date()  // the test CAs are valid from now
        var settings = try CAManagerTests.settings()
        let (first, firstRoot) = try upstream("first")
        settings.upstream = first
        let before = try await CAManager.start(settings: settings, keyManager: keys, store: store, logger: Logger(label: "test"), now: now)
        let firstRootID = Self.keyID(firstRoot)
        #expect(before.x509Slots.active.upstreamID == firstRootID)
        _ = try await before.prepareX509Authority()
        let oldID = before.x509Slots.prepared!.id
        _ = try await before.activateX509Authority(id: oldID)
        #expect(
            await Self.refusal { try await before.taintX509Authority(id: before.x509Slots.old!.id) }
                == LocalAuthorityRefusal(.failedPrecondition, "local authority can't be tainted if there is an upstream authority"))
        #expect(
            await Self.refusal { try await before.taintX509UpstreamAuthority(subjectKeyID: firstRootID) }
                == LocalAuthorityRefusal(.invalidArgument, "provided subject key id is not valid: unable to use upstream authority signing current authority"))

        // The operator replaces the upstream CA; the next authority chains to the new one.
        let (second, secondRoot) = try upstream("second")
        settings.upstream = second
        let ca = try await CAManager.start(settings: settings, keyManager: keys, store: store, logger: Logger(label: "test"), now: now)
        let next = try await ca.prepareX509Authority()
        #expect(next.upstreamID == Self.keyID(secondRoot))
        _ = try await ca.activateX509Authority(id: next.id)
        #expect(Set(ca.bundle.x509Authorities) == [firstRoot, secondRoot])
        #expect(
            await Self.refusal { try await ca.revokeX509UpstreamAuthority(subjectKeyID: firstRootID) }
                == LocalAuthorityRefusal(.internalError, "failed to revoke X.509 upstream authority", inner: (.invalidArgument, "it is not possible to revoke an untainted root CA")))
        #expect(try await ca.taintX509UpstreamAuthority(subjectKeyID: firstRootID.uppercased()) == firstRootID, "the ID is taken in any case")
        #expect(ca.spireBundle.x509Authorities.filter(\.tainted).map(\.asn1) == [Data(try firstRoot.derBytes())])
        #expect(try await ca.revokeX509UpstreamAuthority(subjectKeyID: firstRootID) == firstRootID)
        #expect(ca.bundle.x509Authorities == [secondRoot])
        #expect(ca.x509Slots.old == nil, "the authorities it signed went with it")
    }
}

extension Certificate {
    func derBytes() throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(self)
        return serializer.serializedBytes
    }
}

/// SPIRE's AppendBundle on the CA: appended authorities are published beside the CA's own, once, kept across a
/// restart and dropped when they expire.
@Suite("AppendBundle")
struct AppendBundleTests {
    @Test("appended roots and JWT keys are published once, survive a restart, and leave when they expire; a kid with another key is refused")
    func append() async throws {
        let store = InMemoryDatastore()
        let keys = InMemoryKeyManager()
        let settings = try CAManagerTests.settings()
        let t0 = CAManagerTests.t0
        let ca = try await CAManager.start(settings: settings, keyManager: keys, store: store, logger: Logger(label: "test"), now: t0)
        let own = ca.bundle
        let other = TestCA(trustDomain: try TrustDomain("other.test"), notBefore: t0 - 60, notAfter: t0 + 7200)
        let key = TestCA(trustDomain: try TrustDomain("other.test")).privateKey.publicKey

        let appended = try await ca.append(x509: [other.certificate], jwt: ["ext": AppendedAuthorities.JWTKey(publicKey: key, expiresAt: t0 + 3600)])
        #expect(appended.x509Authorities == own.x509Authorities + [other.certificate])
        #expect(appended.jwtAuthorities["ext"] == key)
        #expect(appended.sequenceNumber == (own.sequenceNumber ?? 0) + 1)
        let again = try await ca.append(x509: [other.certificate] + own.x509Authorities, jwt: ["ext": AppendedAuthorities.JWTKey(publicKey: key, expiresAt: t0 + 3600)])
        #expect(again == appended, "what is published already is skipped, and the sequence stays")
        let ownKid = ca.jwtSigningAuthority.key.keyID
        await #expect(throws: LocalAuthorityRefusal.self) {
            _ = try await ca.append(x509: [], jwt: [ownKid: AppendedAuthorities.JWTKey(publicKey: key, expiresAt: nil)])
        }

        let restarted = try await CAManager.start(settings: settings, keyManager: keys, store: store, logger: Logger(label: "test"), now: t0)
        #expect(restarted.bundle.x509Authorities.contains(other.certificate))
        #expect(restarted.bundle.jwtAuthorities["ext"] == key)

        _ = try await restarted.rotate(now: t0 + 3601)
        #expect(restarted.bundle.jwtAuthorities["ext"] == nil, "the JWT key expired")
        #expect(restarted.bundle.x509Authorities.contains(other.certificate))
        _ = try await restarted.rotate(now: t0 + 7201)
        #expect(!restarted.bundle.x509Authorities.contains(other.certificate), "the root expired")
    }
}
