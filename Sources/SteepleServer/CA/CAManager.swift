import Logging
import SPIFFE
import SPIFFECA
import SteepleTelemetry
import SteepleDatastore
import Synchronization
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Owns the trust domain's authorities: loads them from the CA journal and key manager at start (or creates the
/// first ones), rotates them on schedule (prepare at ½, activate at ⅚ of their lifetime), keeps retired ones
/// published until they expire, and maintains the trust bundle with a `spiffe_sequence` bumped on every change.
///
/// Reads (the signing hot path) take a lock, never an actor hop; mutations happen only at start and in
/// ``rotate(now:)``, which one task drives.
final class CAManager: Sendable {
    struct Settings: Sendable {
        var trustDomain: TrustDomain
        var caTTL: Duration
        var caKeyType: CAKeyType
        var jwtKeyType: CAKeyType
        var caSubject: DistinguishedName
        var svidSubject: DistinguishedName = CertificateAuthority.defaultSVIDSubject
        var upstream: (any UpstreamAuthority)?
        /// `spiffe_refresh_hint` of the published bundle.
        var refreshHint: Duration = .seconds(300)
        /// Default lifetimes and the JWT issuer the ``issuer`` applies (SPIRE's defaults unless configured).
        var issuance = IssuancePolicy(x509SVIDTTL: .seconds(3600), jwtSVIDTTL: .seconds(300), agentSVIDTTL: .seconds(3600))
        /// The CA journal of this server: ``CAManager/journalID`` alone, one per server when the datastore is shared.
        var journalID: String = CAManager.journalID
        /// Whether other servers publish their authorities in the same bundle (a shared datastore): the bundle is
        /// then the union of every server's authorities, revised in one transaction, never overwritten.
        var sharesBundle = false
    }

    struct State: Sendable {
        var x509: AuthoritySlots<X509Slot>
        var jwt: AuthoritySlots<JWTAuthority>
        var bundle: SPIFFEBundle
        /// Subject key IDs (lower-case hex) of the bundle's X.509 roots marked tainted (`localauthority x509 taint`,
        /// `upstreamauthority taint`): still published, no longer to be trusted for new SVIDs.
        var taintedX509: Set<String> = []
        /// `kid`s of JWT keys marked tainted.
        var taintedJWT: Set<String> = []
        /// What operators appended to the bundle (SPIRE's AppendBundle), published beside the CA's own authorities.
        var appended = AppendedAuthorities()
        /// What the upstream server's bundle holds (nested servers): published beside the CA's own authorities.
        var upstream = UpstreamBundle()
    }

    static let journalID = "server"

    let settings: Settings
    let keyManager: any KeyManager
    private let store: any (CAJournalStore & BundleStore)
    let logger: Logger
    let state: Mutex<State>
    /// Serialises the mutations: rotation steps and the LocalAuthority API's.
    let mutations = AsyncSerialLock()
    private let subscribers = Mutex<[UInt64: AsyncStream<SPIFFEBundle>.Continuation]>([:])
    private let nextSubscriber = Atomic<UInt64>(0)
    let clock: @Sendable () -> Date
    /// Signs with the active authorities; replaced whenever one of them changes.
    let issuer: CurrentIssuer

    private init(settings: Settings, keyManager: any KeyManager, store: any (CAJournalStore & BundleStore), logger: Logger, state: State, clock: @escaping @Sendable () -> Date) {
        self.settings = settings
        self.keyManager = keyManager
        self.store = store
        self.logger = logger
        self.state = Mutex(state)
        self.clock = clock
        self.issuer = CurrentIssuer(Self.makeIssuer(settings: settings, state: state, clock: clock))
    }

    /// The CA that signs X509-SVIDs now.
    var certificateAuthority: CertificateAuthority { issuer.issuer.x509 }

    /// The JWT key that signs now, and when it stops being valid.
    var jwtSigningAuthority: (key: JWTSigningKey, notAfter: Date) {
        let current = issuer.issuer
        return (current.jwtKey, current.jwtKeyNotAfter)
    }

    static func makeIssuer(settings: Settings, state: State, clock: @escaping @Sendable () -> Date) -> Issuer {
        let jwt = state.jwt.active
        return Issuer(
            x509: CertificateAuthority(trustDomain: settings.trustDomain, x509Authority: state.x509.active.authority!, svidSubject: settings.svidSubject),
            jwtKey: jwt.signingKey!,
            jwtPublishedKey: jwt.publicKey,
            jwtKeyNotAfter: jwt.notAfter,
            policy: settings.issuance,
            clock: clock
        )
    }

    /// The trust domain's bundle as published.
    var bundle: SPIFFEBundle { state.withLock { $0.bundle } }

    /// The subject key ID of the X.509 authority that signs now.
    var activeX509KeyID: [UInt8] {
        let certificate = certificateAuthority.x509Authority.certificate
        return Array((try? certificate.extensions.subjectKeyIdentifier?.keyIdentifier) ?? [])
    }

    /// When the next rotation step of either authority falls due.
    var nextRotationEvent: Date {
        state.withLock { state in
            let x509 = state.x509.active.certificate
            let jwt = state.jwt.active
            return min(
                RotationSchedule.nextEvent(notBefore: x509.notValidBefore, notAfter: x509.notValidAfter, hasPrepared: state.x509.prepared != nil),
                RotationSchedule.nextEvent(notBefore: jwt.notBefore, notAfter: jwt.notAfter, hasPrepared: state.jwt.prepared != nil)
            )
        }
    }

    /// Every bundle published from now on (the current one first).
    func bundleUpdates() -> AsyncStream<SPIFFEBundle> {
        let (stream, continuation) = AsyncStream<SPIFFEBundle>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = nextSubscriber.add(1, ordering: .relaxed).newValue
        subscribers.withLock { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        continuation.yield(bundle)
        return stream
    }

    /// ``start(settings:keyManager:store:logger:clock:)`` with a clock stopped at `now` (tests).
    static func start(settings: Settings, keyManager: any KeyManager, store: any (CAJournalStore & BundleStore), logger: Logger, now: Date) async throws -> CAManager {
        try await start(settings: settings, keyManager: keyManager, store: store, logger: logger, clock: { now })
    }

    /// Loads the authorities recorded in the journal, or creates the first ones, then applies any rotation that
    /// fell due while the server was down.
    static func start(
        settings: Settings,
        keyManager: any KeyManager,
        store: any (CAJournalStore & BundleStore),
        logger: Logger,
        clock: @escaping @Sendable () -> Date
    ) async throws -> CAManager {
        let now = clock()
        var document = CAJournalDocument()
        if let journal = try await store.fetchCAJournal(id: settings.journalID) {
            document = try JSONDecoder().decode(CAJournalDocument.self, from: Data(journal.data))
        }
        let loaded = try await CAJournalLoader(settings: settings, keyManager: keyManager, logger: logger).load(document, now: now)
        var x509: AuthoritySlots<X509Slot>
        if let active = loaded.x509Active {
            x509 = AuthoritySlots(active: active, prepared: loaded.x509Prepared, old: loaded.x509Old)
        } else {
            // No usable active authority: the prepared one takes over if there is one, else a new one is made.
            let fresh: X509Slot
            if let prepared = loaded.x509Prepared { fresh = prepared } else { fresh = try await makeX509(settings: settings, keyManager: keyManager, now: now) }
            x509 = AuthoritySlots(active: fresh, old: loaded.x509Old)
        }
        var jwt: AuthoritySlots<JWTAuthority>
        if let active = loaded.jwtActive {
            jwt = AuthoritySlots(active: active, prepared: loaded.jwtPrepared, old: loaded.jwtOld)
        } else {
            let fresh: JWTAuthority
            if let prepared = loaded.jwtPrepared { fresh = prepared } else { fresh = try await makeJWT(settings: settings, keyManager: keyManager, now: now) }
            jwt = AuthoritySlots(active: fresh, old: loaded.jwtOld)
        }
        let authority = x509.active.authority!
        let appended = try AppendedAuthorities(journal: document)
        var bundle = composeBundle(settings: settings, x509: x509, jwt: jwt, appended: appended, upstream: UpstreamBundle(), sequence: max(document.bundleSequence, 1))
        if let stored = try await store.fetchBundle(trustDomain: settings.trustDomain),
            let previous = try? SPIFFEBundle(trustDomain: settings.trustDomain, json: stored.document),
            previous.x509Authorities != bundle.x509Authorities || previous.jwtAuthorities != bundle.jwtAuthorities
        {
            bundle = composeBundle(settings: settings, x509: x509, jwt: jwt, appended: appended, upstream: UpstreamBundle(), sequence: max(document.bundleSequence, stored.sequenceNumber) + 1)
        }
        let manager = CAManager(
            settings: settings,
            keyManager: keyManager,
            store: store,
            logger: logger,
            state: State(
                x509: x509, jwt: jwt, bundle: bundle,
                taintedX509: Set(document.taintedX509 ?? []), taintedJWT: Set(document.taintedJWT ?? []), appended: appended),
            clock: clock
        )
        try await manager.persist(bundleChanged: true)
        logger.info("CA ready", metadata: [
            "x509_authority": "\(authority.keyIdentifierHex)",
            "x509_not_after": "\(authority.notAfter)",
            "jwt_kid": "\(jwt.active.kid)",
            "bundle_sequence": "\(bundle.sequenceNumber ?? 0)",
        ])
        do {
            _ = try await manager.rotate(now: now)
        } catch let error as CAError where error.code == .upstreamAuthority {
            // The active authorities are usable (made above if not): a step due now is retried by the rotation
            // service once the upstream answers.
            logger.warning("a rotation step due at start needs the upstream authority, which failed; retrying", metadata: ["error": "\(error)"])
        }
        return manager
    }

    /// Applies every rotation step due at `now`. Returns whether anything changed.
    @discardableResult
    func rotate(now: Date) async throws -> Bool {
        try await mutations.run { try await rotateSerially(now: now) }
    }

    private func rotateSerially(now: Date) async throws -> Bool {
        var snapshot = state.withLock { $0 }
        var changed = false
        var bundleChanged = false

        let x509Cert = snapshot.x509.active.certificate
        if now >= x509Cert.notValidAfter, snapshot.x509.prepared == nil {
            // The server was down past the authority's end: there is nothing to hand over from.
            snapshot.x509.prepare(try await Self.makeX509(settings: settings, keyManager: keyManager, now: now))
            snapshot.x509.activate()
            changed = true
            bundleChanged = true
        }
        // Log lines in SPIRE's words and fields (`local_authority_id`): its force-rotation suites grep them.
        switch RotationSchedule.step(notBefore: x509Cert.notValidBefore, notAfter: x509Cert.notValidAfter, hasPrepared: snapshot.x509.prepared != nil, now: now) {
        case .prepare:
            let next = try await Self.makeX509(settings: settings, keyManager: keyManager, now: now)
            snapshot.x509.prepare(next)
            logger.info("X509 CA prepared", metadata: ["local_authority_id": "\(next.authority!.keyIdentifierHex)", "expiration": "\(next.notAfter)"])
            SPIREMetrics.increment("ca.manager.x509_ca.prepare", labels: [("status", "OK")])
            changed = true
            bundleChanged = true
        case .activate:
            snapshot.x509.activate()
            logger.info("X509 CA activated", metadata: ["local_authority_id": "\(snapshot.x509.active.authority!.keyIdentifierHex)"])
            SPIREMetrics.increment("ca.manager.x509_ca.activate")
            changed = true
            // The published set is the same, but agents must hear of it at once to re-issue their SVIDs.
            bundleChanged = true
        case .none:
            break
        }
        let jwt = snapshot.jwt.active
        switch RotationSchedule.step(notBefore: jwt.notBefore, notAfter: jwt.notAfter, hasPrepared: snapshot.jwt.prepared != nil, now: now) {
        case .prepare:
            let next = try await Self.makeJWT(settings: settings, keyManager: keyManager, now: now)
            snapshot.jwt.prepare(next)
            logger.info("JWT key prepared", metadata: ["local_authority_id": "\(next.kid)", "expiration": "\(next.notAfter)"])
            SPIREMetrics.increment("ca.manager.jwt_key.prepare", labels: [("status", "OK")])
            changed = true
            bundleChanged = true
        case .activate:
            snapshot.jwt.activate()
            logger.info("JWT key activated", metadata: ["local_authority_id": "\(snapshot.jwt.active.kid)"])
            SPIREMetrics.increment("manager.jwt_key.activate")
            changed = true
        case .none:
            break
        }
        let expiredX509 = snapshot.x509.old.filter { $0.notAfter <= now }
        let expiredJWT = snapshot.jwt.old.filter { $0.notAfter <= now }
        if snapshot.x509.pruneExpired(now: now, notAfter: \.notAfter) { changed = true; bundleChanged = true }
        if snapshot.jwt.pruneExpired(now: now, notAfter: \.notAfter) { changed = true; bundleChanged = true }
        let expiredAppended = snapshot.appended.pruneExpired(now: now)
        if !expiredAppended.x509.isEmpty || !expiredAppended.jwt.isEmpty { changed = true; bundleChanged = true }
        guard changed else { return false }

        if bundleChanged && !settings.sharesBundle {
            snapshot.bundle = Self.composeBundle(settings: settings, x509: snapshot.x509, jwt: snapshot.jwt, appended: snapshot.appended, upstream: snapshot.upstream, sequence: (snapshot.bundle.sequenceNumber ?? 0) + 1)
        }
        snapshot.forgetTaints()
        let final = snapshot
        state.withLock { $0 = final }
        issuer.replace(with: Self.makeIssuer(settings: settings, state: final, clock: clock))
        try await persist(bundleChanged: bundleChanged, retired: (expiredX509.flatMap(\.roots) + expiredAppended.x509, expiredJWT.map(\.kid) + expiredAppended.jwt))
        for slot in expiredX509 { try? await keyManager.deleteKey(id: slot.keyManagerID) }
        for authority in expiredJWT { try? await keyManager.deleteKey(id: authority.keyManagerID) }
        return true
    }

    /// Writes the journal and, when it changed, the bundle; then tells subscribers. `retired` are this server's
    /// authorities pruned just now (a shared bundle loses them; another server's stay).
    func persist(bundleChanged: Bool, retired: (x509: [Certificate], jwt: [String]) = ([], [])) async throws {
        let snapshot = state.withLock { $0 }
        if let published = try await write(snapshot, bundleChanged: bundleChanged, retired: retired) {
            publish(published)
        }
    }

    /// Writes `snapshot`'s journal and, when it changed, its bundle (a shared one revised in one transaction);
    /// returns the bundle as stored, `nil` when it was not written. Changes nothing in memory.
    func write(_ snapshot: State, bundleChanged: Bool, retired: (x509: [Certificate], jwt: [String])) async throws -> SPIFFEBundle? {
        let document = CAJournalEncoder.encode(snapshot)
        _ = try await store.setCAJournal(id: settings.journalID, data: try JSONEncoder().encode(document).map { $0 }, expectedVersion: nil)
        guard bundleChanged else { return nil }
        if settings.sharesBundle {
            return try await reviseSharedBundle(snapshot, retired: retired)
        }
        let record = BundleRecord(trustDomain: settings.trustDomain, document: snapshot.bundle.jsonRepresentation, sequenceNumber: snapshot.bundle.sequenceNumber ?? 0)
        _ = try await store.setBundle(record)
        return snapshot.bundle
    }

    /// A shared bundle: this server's published authorities, plus every other authority stored that has not
    /// expired and that this server did not just retire, with the sequence number bumped — in one transaction, so
    /// that two servers rotating at once both end up in it.
    private func reviseSharedBundle(_ snapshot: State, retired: (x509: [Certificate], jwt: [String])) async throws -> SPIFFEBundle {
        let own = Self.composeBundle(settings: settings, x509: snapshot.x509, jwt: snapshot.jwt, appended: snapshot.appended, upstream: snapshot.upstream, sequence: 0)
        let settings = self.settings
        let now = clock()
        let floor = snapshot.bundle.sequenceNumber ?? 0
        let committed = try await store.reviseBundle(trustDomain: settings.trustDomain) { stored in
            var roots = own.x509Authorities
            var keys = own.jwtAuthorities
            if let stored, let previous = try? SPIFFEBundle(trustDomain: settings.trustDomain, json: stored.document) {
                for root in previous.x509Authorities
                where root.notValidAfter > now && !retired.x509.contains(root) && !roots.contains(root) {
                    roots.append(root)
                }
                for (kid, key) in previous.jwtAuthorities where keys[kid] == nil && !retired.jwt.contains(kid) {
                    keys[kid] = key
                }
            }
            let sequence = max(stored?.sequenceNumber ?? 0, floor) + 1
            let merged = SPIFFEBundle(trustDomain: settings.trustDomain, x509Authorities: roots, jwtAuthorities: keys, sequenceNumber: sequence, refreshHint: settings.refreshHint)
            return BundleRecord(trustDomain: settings.trustDomain, document: merged.jsonRepresentation, sequenceNumber: sequence)
        }
        guard let committed, let merged = try? SPIFFEBundle(trustDomain: settings.trustDomain, json: committed.value.document) else {
            return snapshot.bundle
        }
        return merged
    }

    /// Makes `bundle` the published one, when it is newer, and tells subscribers.
    func publish(_ bundle: SPIFFEBundle) {
        let newer = state.withLock { state in
            guard (bundle.sequenceNumber ?? 0) >= (state.bundle.sequenceNumber ?? 0) else { return false }
            state.bundle = bundle
            return true
        }
        guard newer else { return }
        for continuation in subscribers.withLock({ Array($0.values) }) {
            continuation.yield(bundle)
        }
    }

    /// Re-reads a shared bundle after another server changed it (the entry index calls this on a bundle event, before
    /// it tells agents). Does nothing when the bundle is not shared or the stored one is not newer.
    func reloadSharedBundle() async {
        guard settings.sharesBundle else { return }
        do {
            guard let stored = try await store.fetchBundle(trustDomain: settings.trustDomain) else { return }
            let bundle = try SPIFFEBundle(trustDomain: settings.trustDomain, json: stored.document)
            publish(bundle)
        } catch {
            logger.warning("cannot re-read the shared trust bundle; keeping the one published", metadata: ["error": "\(error)"])
        }
    }

    static func composeBundle(
        settings: Settings, x509: AuthoritySlots<X509Slot>, jwt: AuthoritySlots<JWTAuthority>, appended: AppendedAuthorities,
        upstream: UpstreamBundle, sequence: UInt64
    ) -> SPIFFEBundle {
        var roots: [Certificate] = []
        for slot in x509.published {
            for root in slot.roots where !roots.contains(root) { roots.append(root) }
        }
        for root in appended.x509 + upstream.roots where !roots.contains(root) { roots.append(root) }
        var keys: [String: Certificate.PublicKey] = upstream.jwtKeys
        for (kid, key) in appended.jwt { keys[kid] = key.publicKey }
        for authority in jwt.published { keys[authority.kid] = authority.publicKey }
        return SPIFFEBundle(trustDomain: settings.trustDomain, x509Authorities: roots, jwtAuthorities: keys, sequenceNumber: sequence, refreshHint: settings.refreshHint)
    }

    static func makeX509(settings: Settings, keyManager: any KeyManager, now: Date) async throws -> X509Slot {
        let keyID = "x509-ca-\(UUID().uuidString.lowercased())"
        let key = try await keyManager.generateKey(id: keyID, type: settings.caKeyType)
        let authority: X509Authority
        if let upstream = settings.upstream {
            do {
                authority = try await upstream.mintX509CA(trustDomain: settings.trustDomain, privateKey: key, subject: settings.caSubject, ttl: settings.caTTL, now: now)
            } catch {
                // An upstream that is down is retried every few seconds: no key may be left behind by each attempt.
                try? await keyManager.deleteKey(id: keyID)
                throw error
            }
        } else {
            authority = try X509Authority.selfSigned(trustDomain: settings.trustDomain, privateKey: key, subject: settings.caSubject, ttl: settings.caTTL, now: now)
        }
        return X509Slot(keyManagerID: keyID, certificate: authority.certificate, authority: authority, roots: authority.roots)
    }

    static func makeJWT(settings: Settings, keyManager: any KeyManager, now: Date) async throws -> JWTAuthority {
        let keyID = "jwt-\(UUID().uuidString.lowercased())"
        let key = try await keyManager.generateKey(id: keyID, type: settings.jwtKeyType)
        let kid = JWTAuthority.newKeyID()
        let signingKey = try JWTSigningKey(key, keyID: kid)
        let notAfter = now.addingTimeInterval(Double(settings.caTTL.components.seconds))
        if let upstream = settings.upstream {
            // Nested servers: the key goes into the upstream bundle first, so that relying parties everywhere in the
            // trust domain can verify what it will sign (a failure fails the preparation, which is retried).
            do {
                if let published = try await upstream.publishJWTKey(keyID: kid, publicKey: key.publicKey, notAfter: notAfter) {
                    guard published[kid] == key.publicKey else {
                        throw CAError(.upstreamAuthority, "the upstream server did not publish JWT key \(kid)")
                    }
                }
            } catch {
                try? await keyManager.deleteKey(id: keyID)
                throw error
            }
        }
        return JWTAuthority(
            keyManagerID: keyID,
            kid: kid,
            publicKey: key.publicKey,
            signingKey: signingKey,
            notBefore: now.addingTimeInterval(-X509Authority.notBeforeCushion),
            notAfter: notAfter
        )
    }
}
