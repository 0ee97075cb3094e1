import Logging
import SPIFFE
import SPIFFECA
import SteepleTelemetry
import SteepleSupport
import Synchronization
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One authority as the LocalAuthority API reports it. `id` is the X.509 CA certificate's subject key ID in
/// lower-case hex, or the JWT key's `kid`; `upstreamID` is the subject key ID of the upstream CA that signed an X.509
/// authority (empty when self-signed).
struct LocalAuthorityState: Sendable, Hashable {
    var id: String
    var expiresAt: Date?
    var upstreamID = ""
}

/// The active, prepared and most recent old authority of one kind.
struct LocalAuthoritySlots: Sendable, Hashable {
    var active: LocalAuthorityState
    var prepared: LocalAuthorityState?
    var old: LocalAuthorityState?
}

/// Why a LocalAuthority operation was refused, in SPIRE's codes and words (its `localauthority/v1` service and the
/// datastore calls behind it). `inner` is the datastore's own status, which SPIRE appends to the message as grpc-go
/// prints a status error.
struct LocalAuthorityRefusal: Error, Sendable, Hashable {
    enum Code: Sendable, Hashable {
        case invalidArgument, failedPrecondition, notFound, internalError
    }

    /// The datastore's status behind an internal failure (SPIRE appends it as `rpc error: code = … desc = …`).
    struct Inner: Sendable, Hashable {
        var code: Code
        var message: String
    }

    var code: Code
    var message: String
    var inner: Inner?

    init(_ code: Code, _ message: String, inner: (code: Code, message: String)? = nil) {
        self.code = code
        self.message = message
        self.inner = inner.map { Inner(code: $0.code, message: $0.message) }
    }
}

extension X509Slot {
    /// The LocalAuthority API's name for it: the CA certificate's subject key ID, lower-case hex.
    var authorityID: String { certificate.subjectKeyIDHex }

    /// The subject key ID of the upstream CA that signed it (its authority key ID); empty when self-signed.
    var upstreamAuthorityID: String {
        guard !roots.contains(certificate) else { return "" }
        return HexEncoding.lowercase((try? certificate.extensions.authorityKeyIdentifier?.keyIdentifier) ?? [])
    }

    /// The subject key IDs of the roots it publishes.
    var rootIDs: [String] { roots.map(\.subjectKeyIDHex) }

    var state: LocalAuthorityState { LocalAuthorityState(id: authorityID, expiresAt: notAfter, upstreamID: upstreamAuthorityID) }
}

extension JWTAuthority {
    var state: LocalAuthorityState { LocalAuthorityState(id: kid, expiresAt: notAfter) }
}

extension CAManager.State {
    /// Drops the taint marks of authorities no longer published (expired or revoked).
    mutating func forgetTaints() {
        let roots = Set(x509.published.flatMap(\.rootIDs))
        taintedX509.formIntersection(roots)
        let kids = Set(jwt.published.map(\.kid)).union(bundle.jwtAuthorities.keys)
        taintedJWT.formIntersection(kids)
    }
}

/// SPIRE's LocalAuthority operations: forced rotation (prepare, activate), taint (agents replace what the authority
/// signed) and revoke (the authority leaves the bundle). Each runs under ``CAManager/mutations``, so it never
/// interleaves with a rotation step, and persists the journal and the bundle before it returns.
extension CAManager {
    var x509Slots: LocalAuthoritySlots {
        state.withLock { LocalAuthoritySlots(active: $0.x509.active.state, prepared: $0.x509.prepared?.state, old: $0.x509.old.first?.state) }
    }

    var jwtSlots: LocalAuthoritySlots {
        state.withLock { LocalAuthoritySlots(active: $0.jwt.active.state, prepared: $0.jwt.prepared?.state, old: $0.jwt.old.first?.state) }
    }

    /// Subject key IDs of the tainted X.509 roots.
    var taintedX509AuthorityIDs: Set<String> { state.withLock { $0.taintedX509 } }

    /// `kid`s of the tainted JWT keys.
    var taintedJWTKeyIDs: Set<String> { state.withLock { $0.taintedJWT } }

    /// Whether the X.509 CA is signed by an upstream authority.
    var hasUpstreamAuthority: Bool { settings.upstream != nil }

    // MARK: X.509

    /// Makes a new X.509 authority and publishes it as prepared, replacing a prepared one (which leaves the bundle).
    func prepareX509Authority() async throws -> LocalAuthorityState {
        try await mutations.run {
            var snapshot = state.withLock { $0 }
            let next = try await Self.makeX509(settings: settings, keyManager: keyManager, now: clock())
            let replaced = snapshot.x509.prepared
            snapshot.x509.prepare(next)
            logger.info("X509 CA prepared", metadata: ["local_authority_id": "\(next.authorityID)", "expiration": "\(next.notAfter)"])
            SPIREMetrics.increment("ca.manager.x509_ca.prepare", labels: [("status", "OK")])
            try await commit(snapshot, retiredX509: replaced.map { [$0] } ?? [])
            return next.state
        }
    }

    /// Makes the prepared X.509 authority the one that signs; the active one becomes old. Agents re-issue at once.
    func activateX509Authority(id: String) async throws -> LocalAuthorityState {
        try await mutations.run {
            var snapshot = state.withLock { $0 }
            try Self.checkActivation(id: id, prepared: snapshot.x509.prepared?.authorityID, old: snapshot.x509.old.first?.authorityID)
            snapshot.x509.activate()
            logger.info("X509 CA activated", metadata: ["local_authority_id": "\(snapshot.x509.active.authorityID)"])
            SPIREMetrics.increment("ca.manager.x509_ca.activate")
            try await commit(snapshot)
            return snapshot.x509.active.state
        }
    }

    /// Marks an old X.509 authority tainted: it stays in the bundle, and agents replace every SVID it signed.
    func taintX509Authority(id: String) async throws -> LocalAuthorityState {
        try await mutations.run {
            var snapshot = state.withLock { $0 }
            guard !hasUpstreamAuthority else {
                throw LocalAuthorityRefusal(.failedPrecondition, "local authority can't be tainted if there is an upstream authority")
            }
            let slot = try Self.oldSlot(id: id, in: snapshot.x509, for: .taint)
            guard snapshot.taintedX509.insert(id).inserted else {
                throw LocalAuthorityRefusal(.internalError, "failed to taint X.509 authority", inner: (.invalidArgument, "root CA is already tainted"))
            }
            logger.info("X.509 authority tainted successfully", metadata: ["local_authority_id": "\(id)"])
            try await commit(snapshot)
            return slot.state
        }
    }

    /// Removes a tainted old X.509 authority from the bundle (and its key from the key manager): SVIDs it signed no
    /// longer verify anywhere the bundle reaches.
    func revokeX509Authority(id: String) async throws -> LocalAuthorityState {
        try await mutations.run {
            var snapshot = state.withLock { $0 }
            guard !hasUpstreamAuthority else {
                throw LocalAuthorityRefusal(.failedPrecondition, "local authority can't be revoked if there is an upstream authority")
            }
            let slot: X509Slot
            do {
                slot = try Self.oldSlot(id: id, in: snapshot.x509, for: .revoke)
            } catch let refusal as LocalAuthorityRefusal {
                throw LocalAuthorityRefusal(.invalidArgument, "invalid authority ID: " + refusal.message)
            }
            guard snapshot.taintedX509.contains(id) else {
                throw LocalAuthorityRefusal(.internalError, "failed to revoke X.509 authority", inner: (.invalidArgument, "it is not possible to revoke an untainted root CA"))
            }
            snapshot.x509.removeOld { $0.authorityID == id }
            logger.info("X.509 authority revoked successfully", metadata: ["local_authority_id": "\(id)"])
            try await commit(snapshot, retiredX509: [slot])
            return LocalAuthorityState(id: id)
        }
    }

    /// Marks the upstream CA (by subject key ID) that signed the old X.509 authority tainted.
    func taintX509UpstreamAuthority(subjectKeyID: String) async throws -> String {
        try await mutations.run {
            var snapshot = state.withLock { $0 }
            let id = try checkUpstream(subjectKeyID, snapshot: snapshot, invalid: "provided subject key id is not valid")
            guard Set(snapshot.x509.published.flatMap(\.rootIDs)).contains(id) else {
                throw LocalAuthorityRefusal(.internalError, "failed to taint upstream authority", inner: (.notFound, "no ca found with provided subject key ID"))
            }
            guard snapshot.taintedX509.insert(id).inserted else {
                throw LocalAuthorityRefusal(.internalError, "failed to taint upstream authority", inner: (.invalidArgument, "root CA is already tainted"))
            }
            logger.info("X.509 upstream authority tainted successfully", metadata: ["subject_key_id": "\(id)"])
            try await commit(snapshot)
            return id
        }
    }

    /// Removes a tainted upstream CA from the bundle, with every old local authority it signed.
    func revokeX509UpstreamAuthority(subjectKeyID: String) async throws -> String {
        try await mutations.run {
            var snapshot = state.withLock { $0 }
            let id = try checkUpstream(subjectKeyID, snapshot: snapshot, invalid: "invalid subject key ID")
            guard !snapshot.upstream.roots.contains(where: { $0.subjectKeyIDHex == id }) else {
                throw LocalAuthorityRefusal(
                    .failedPrecondition,
                    "X.509 authority \(id) is a root of the upstream server's bundle (UpstreamAuthority \"spire\"), which this server's follows: revoke it on the upstream server")
            }
            guard Set(snapshot.x509.published.flatMap(\.rootIDs)).contains(id) else {
                throw LocalAuthorityRefusal(.internalError, "failed to revoke X.509 upstream authority", inner: (.notFound, "no root CA found with provided subject key ID"))
            }
            guard snapshot.taintedX509.contains(id) else {
                throw LocalAuthorityRefusal(.internalError, "failed to revoke X.509 upstream authority", inner: (.invalidArgument, "it is not possible to revoke an untainted root CA"))
            }
            let retired = snapshot.x509.old.filter { $0.rootIDs.contains(id) }
            snapshot.x509.removeOld { $0.rootIDs.contains(id) }
            logger.info("X.509 upstream authority successfully revoked", metadata: ["subject_key_id": "\(id)"])
            try await commit(snapshot, retiredX509: retired)
            return id
        }
    }

    // MARK: JWT

    /// Makes a new JWT key and publishes it as prepared, replacing a prepared one.
    func prepareJWTAuthority() async throws -> LocalAuthorityState {
        try await mutations.run {
            var snapshot = state.withLock { $0 }
            let next = try await Self.makeJWT(settings: settings, keyManager: keyManager, now: clock())
            let replaced = snapshot.jwt.prepared
            snapshot.jwt.prepare(next)
            logger.info("JWT key prepared", metadata: ["local_authority_id": "\(next.kid)", "expiration": "\(next.notAfter)"])
            SPIREMetrics.increment("ca.manager.jwt_key.prepare", labels: [("status", "OK")])
            try await commit(snapshot, retiredJWT: replaced.map { [$0] } ?? [])
            return next.state
        }
    }

    /// Makes the prepared JWT key the one that signs.
    func activateJWTAuthority(id: String) async throws -> LocalAuthorityState {
        try await mutations.run {
            var snapshot = state.withLock { $0 }
            try Self.checkActivation(id: id, prepared: snapshot.jwt.prepared?.kid, old: snapshot.jwt.old.first?.kid)
            snapshot.jwt.activate()
            logger.info("JWT key activated", metadata: ["local_authority_id": "\(snapshot.jwt.active.kid)"])
            SPIREMetrics.increment("manager.jwt_key.activate")
            try await commit(snapshot)
            return snapshot.jwt.active.state
        }
    }

    /// Marks a JWT key tainted: agents drop every cached JWT-SVID it signed. An old key of this server, or — on a
    /// shared datastore — a key in the bundle that no running server signs with (a server removed for good).
    func taintJWTAuthority(id: String) async throws -> LocalAuthorityState {
        try await mutations.run {
            var snapshot = state.withLock { $0 }
            try Self.checkJWTTaint(id: id, snapshot: snapshot)
            guard snapshot.taintedJWT.insert(id).inserted else {
                throw LocalAuthorityRefusal(.internalError, "failed to taint JWT authority", inner: (.invalidArgument, "key is already tainted"))
            }
            logger.info("JWT authority tainted successfully", metadata: ["local_authority_id": "\(id)"])
            try await commit(snapshot)
            return LocalAuthorityState(id: id)
        }
    }

    /// Removes a tainted JWT key from the bundle: JWT-SVIDs it signed no longer validate.
    func revokeJWTAuthority(id: String) async throws -> LocalAuthorityState {
        try await mutations.run {
            var snapshot = state.withLock { $0 }
            if id.isEmpty { throw LocalAuthorityRefusal(.invalidArgument, "invalid authority ID: no authority ID provided") }
            if snapshot.jwt.prepared?.kid == id { throw LocalAuthorityRefusal(.invalidArgument, "invalid authority ID: unable to use a prepared key") }
            if snapshot.jwt.active.kid == id { throw LocalAuthorityRefusal(.invalidArgument, "invalid authority ID: unable to use current authority") }
            guard snapshot.bundle.jwtAuthorities[id] != nil else {
                throw LocalAuthorityRefusal(.invalidArgument, "invalid authority ID: no JWT authority found with provided authority ID")
            }
            guard snapshot.taintedJWT.contains(id) else {
                throw LocalAuthorityRefusal(.internalError, "failed to revoke JWT authority", inner: (.invalidArgument, "it is not possible to revoke an untainted key"))
            }
            // Nested servers: a key the upstream bundle holds would stay published through it; saying "revoked" here
            // would be false.
            guard snapshot.upstream.jwtKeys[id] == nil else {
                throw LocalAuthorityRefusal(
                    .failedPrecondition,
                    "JWT authority \(id) is published in the upstream server's bundle (UpstreamAuthority \"spire\"), which this server's follows: revoke it on the upstream server")
            }
            let retired = snapshot.jwt.old.filter { $0.kid == id }
            snapshot.jwt.removeOld { $0.kid == id }
            snapshot.appended.jwt[id] = nil
            logger.info("JWT authority revoked successfully", metadata: ["local_authority_id": "\(id)"])
            try await commit(snapshot, retiredJWT: retired, retiredForeignJWT: retired.isEmpty ? [id] : [])
            return LocalAuthorityState(id: id)
        }
    }

    // MARK: Checks and commit

    /// SPIRE's order of checks for activation: an ID is given, it names the next authority, which is prepared.
    private static func checkActivation(id: String, prepared: String?, old: String?) throws {
        if id.isEmpty { throw LocalAuthorityRefusal(.invalidArgument, "no authority ID provided") }
        if id == prepared { return }
        if prepared == nil, id == old {
            throw LocalAuthorityRefusal(.internalError, "only Prepared authorities can be activated", inner: nil)
        }
        throw LocalAuthorityRefusal(.invalidArgument, "unexpected authority ID")
    }

    private enum Operation { case taint, revoke }

    /// The old X.509 authority named `id`, refused in SPIRE's words (which differ between taint and revoke) when `id`
    /// names none.
    private static func oldSlot(id: String, in slots: AuthoritySlots<X509Slot>, for operation: Operation) throws -> X509Slot {
        if id.isEmpty { throw LocalAuthorityRefusal(.invalidArgument, "no authority ID provided") }
        if slots.active.authorityID == id {
            throw LocalAuthorityRefusal(.invalidArgument, operation == .taint ? "unable to taint current local authority" : "unable to use current authority")
        }
        if let slot = slots.old.first(where: { $0.authorityID == id }) { return slot }
        if slots.prepared?.authorityID == id, operation == .taint {
            throw LocalAuthorityRefusal(.invalidArgument, "only Old local authorities can be tainted")
        }
        throw LocalAuthorityRefusal(.invalidArgument, operation == .taint ? "unexpected authority ID" : "only Old local authority can be revoked")
    }

    private static func checkJWTTaint(id: String, snapshot: State) throws {
        if id.isEmpty { throw LocalAuthorityRefusal(.invalidArgument, "no authority ID provided") }
        if snapshot.jwt.active.kid == id { throw LocalAuthorityRefusal(.invalidArgument, "unable to taint current local authority") }
        if snapshot.jwt.prepared?.kid == id { throw LocalAuthorityRefusal(.invalidArgument, "only Old local authorities can be tainted") }
        if snapshot.jwt.old.contains(where: { $0.kid == id }) { return }
        // Another server's key in a shared bundle, or an appended one. Meant for a server removed for good: a server
        // still running publishes its own keys again at its next bundle revision (docs/high-availability.md).
        if snapshot.bundle.jwtAuthorities[id] != nil { return }
        throw LocalAuthorityRefusal(.invalidArgument, "unexpected authority ID")
    }

    /// SPIRE's checks of an upstream subject key ID: an upstream is configured, an ID is given, it did not sign the
    /// active authority, it signed the old one. Returns the ID in lower case.
    private func checkUpstream(_ subjectKeyID: String, snapshot: State, invalid: String) throws -> String {
        guard hasUpstreamAuthority else { throw LocalAuthorityRefusal(.failedPrecondition, "upstream authority is not configured") }
        let id = subjectKeyID.lowercased()
        if id.isEmpty { throw LocalAuthorityRefusal(.invalidArgument, invalid + ": no subject key ID provided") }
        if id == snapshot.x509.active.upstreamAuthorityID {
            throw LocalAuthorityRefusal(.invalidArgument, invalid + ": unable to use upstream authority signing current authority")
        }
        if snapshot.x509.prepared?.rootIDs.contains(id) == true || snapshot.x509.prepared?.upstreamAuthorityID == id {
            throw LocalAuthorityRefusal(.invalidArgument, invalid + ": only upstream authorities signing an old authority can be used")
        }
        guard snapshot.x509.old.contains(where: { $0.upstreamAuthorityID == id }) else {
            throw LocalAuthorityRefusal(.invalidArgument, invalid + ": upstream authority didn't sign the old local authority")
        }
        return id
    }

    /// Makes `snapshot` the state. The journal and the bundle (recomposed, its sequence bumped: agents hear of every
    /// operation, a taint included) are written first; only then does memory change (the issuer follows the active
    /// authorities) and are subscribers told, so a failed write leaves the operation undone and retryable. Keys of
    /// authorities that left are deleted last.
    func commit(_ snapshot: State, retiredX509: [X509Slot] = [], retiredJWT: [JWTAuthority] = [], retiredForeignJWT: [String] = []) async throws {
        var final = snapshot
        if !settings.sharesBundle {
            final.bundle = Self.composeBundle(settings: settings, x509: final.x509, jwt: final.jwt, appended: final.appended, upstream: final.upstream, sequence: (final.bundle.sequenceNumber ?? 0) + 1)
        } else {
            // The revised bundle is known only after the write; what is revoked now leaves it there.
            final.bundle.jwtAuthorities = final.bundle.jwtAuthorities.filter { !retiredForeignJWT.contains($0.key) && !retiredJWT.map(\.kid).contains($0.key) }
        }
        final.forgetTaints()
        let retired = (x509: retiredX509.flatMap(\.roots), jwt: retiredJWT.map(\.kid) + retiredForeignJWT)
        let published = try await write(final, bundleChanged: true, retired: retired) ?? final.bundle
        let committed = final
        state.withLock { current in
            let bundle = (current.bundle.sequenceNumber ?? 0) > (published.sequenceNumber ?? 0) ? current.bundle : published
            current = committed
            current.bundle = bundle
        }
        issuer.replace(with: Self.makeIssuer(settings: settings, state: committed, clock: clock))
        publish(published)
        for id in retiredX509.map(\.keyManagerID) + retiredJWT.map(\.keyManagerID) {
            do {
                try await keyManager.deleteKey(id: id)
            } catch {
                logger.warning("could not delete the key of a revoked authority from the key manager", metadata: ["key_id": "\(id)", "error": "\(error)"])
            }
        }
    }
}
