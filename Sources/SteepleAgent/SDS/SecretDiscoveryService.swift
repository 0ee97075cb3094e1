import EnvoySDSProto
import GRPCCore
import Logging
import SPIFFE
import SteepleSupport
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Envoy's Secret Discovery Service (v3) on the agent's Workload API socket, as SPIRE's agent serves it: callers are
/// attested exactly as Workload API callers (no security header, as SPIRE), and get their X509-SVIDs as
/// `tls_certificate` secrets and their bundles as validation contexts (``SecretCatalog`` names them).
///
/// - `FetchSecrets` answers once, after the caller's SVIDs are issued (up to ``fetchWait``); a name the caller may
///   not have is `InvalidArgument`, in SPIRE's words.
/// - `StreamSecrets` (state of the world) sends the requested secrets that exist, then a new version whenever one of
///   them changes (an SVID rotates, an entry or a bundle changes), and nothing when a change does not touch them.
///   A name that does not exist yet is waited for instead of ending the stream (SPIRE ends it), so an Envoy started
///   before its registration entry gets its certificate when the entry is created.
/// - `DeltaSecrets` (incremental; SPIRE answers Unimplemented) sends only the secrets that changed, and names the
///   ones that went away in `removed_resources`.
struct SecretDiscoveryService: Envoy_Service_Secret_V3_SecretDiscoveryService.SimpleServiceProtocol {
    let cache: WorkloadCache
    let health: AgentHealth
    let attestation: WorkloadCallerAttestation
    let configuration: SDSConfiguration
    let logger: Logger
    /// How long `FetchSecrets` waits for the caller's SVIDs to be issued.
    var fetchWait: Duration = .seconds(10)

    // MARK: FetchSecrets

    func fetchSecrets(request: Envoy_Service_Discovery_V3_DiscoveryRequest, context: ServerContext) async throws -> Envoy_Service_Discovery_V3_DiscoveryResponse {
        try Self.checkTypeURL(request.typeURL)
        let selectors = try await attestation.selectors(context)
        // Held while the call waits, as a stream's are: a bounded cache must not evict what it is waiting for.
        let hold = cache.hold(selectors)
        defer { cache.release(hold) }
        let signal = cache.changes.subscribe()
        defer { cache.changes.unsubscribe(signal) }
        let deadline = ContinuousClock.now + fetchWait
        var view: SDSView?
        while true {
            view = try self.view(for: selectors).view
            if let view, !view.pending { break }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero, await signal.wait(timeout: remaining) else { break }
        }
        guard let view else {
            throw RPCError(code: .unavailable, message: "the agent has no entries yet: it has not synced with the server within \(fetchWait)")
        }
        let catalog = try Self.catalog(view, node: request.hasNode ? request.node : nil, configuration: configuration)
        let names = request.resourceNames.filter { !$0.isEmpty }
        let missing = Set(names.filter { catalog[$0] == nil }).sorted()
        guard missing.isEmpty else {
            // SPIRE's message: Go's %q of the sorted names.
            throw RPCError(code: .invalidArgument, message: "workload is not authorized for the requested identities [\(missing.map(Self.goQuoted).joined(separator: " "))]")
        }
        var response = Envoy_Service_Discovery_V3_DiscoveryResponse()
        response.typeURL = request.typeURL.isEmpty ? SecretCatalog.typeURL : request.typeURL
        response.resources = StateOfTheWorldSubscription.resources(for: names, in: catalog)
        logger.debug("Sending FetchSecrets response", metadata: ["count": "\(response.resources.count)"])
        return response
    }

    // MARK: StreamSecrets

    func streamSecrets(
        request: RPCAsyncSequence<Envoy_Service_Discovery_V3_DiscoveryRequest, any Error>,
        response: RPCWriter<Envoy_Service_Discovery_V3_DiscoveryResponse>,
        context: ServerContext
    ) async throws {
        var subscription = StateOfTheWorldSubscription()
        var warnedMissing: [String] = []
        try await serve(request, context: context) { (request: Envoy_Service_Discovery_V3_DiscoveryRequest) throws(RPCError) in
            try Self.checkTypeURL(request.typeURL)
            switch subscription.receive(request) {
            case .stale(let expected):
                logger.warning("Received unexpected nonce; ignoring request", metadata: ["nonce": "\(request.responseNonce)", "expect": "\(expected)"])
            case .nack(let reason):
                logger.error("Envoy reported errors applying secrets", metadata: ["resource_names": "\(request.resourceNames)", "error": "\(reason)"])
            case .first, .ack:
                logger.debug("Received StreamSecrets request", metadata: ["resource_names": "\(request.resourceNames)", "version_info": "\(request.versionInfo)", "nonce": "\(request.responseNonce)"])
            }
        } respond: { view in
            let catalog = try Self.catalog(view, node: subscription.node, configuration: configuration)
            let missing = subscription.missing(in: catalog)
            if !missing.isEmpty, missing != warnedMissing, !view.pending {
                logger.warning("Requested secrets this workload has no identity or bundle for; they are sent if they appear", metadata: ["resource_names": "\(missing)"])
            }
            warnedMissing = missing
            guard let message = subscription.response(from: catalog, nonce: Self.nonce()) else { return }
            logger.debug("Sending StreamSecrets response", metadata: ["version_info": "\(message.versionInfo)", "nonce": "\(message.nonce)", "count": "\(message.resources.count)"])
            try await response.write(message)
        }
    }

    // MARK: DeltaSecrets

    func deltaSecrets(
        request: RPCAsyncSequence<Envoy_Service_Discovery_V3_DeltaDiscoveryRequest, any Error>,
        response: RPCWriter<Envoy_Service_Discovery_V3_DeltaDiscoveryResponse>,
        context: ServerContext
    ) async throws {
        var subscription = DeltaSubscription()
        try await serve(request, context: context) { (request: Envoy_Service_Discovery_V3_DeltaDiscoveryRequest) throws(RPCError) in
            try Self.checkTypeURL(request.typeURL)
            if case .nack(let reason) = subscription.receive(request) {
                logger.error("Envoy reported errors applying secrets", metadata: ["nonce": "\(request.responseNonce)", "error": "\(reason)"])
            }
        } respond: { view in
            let catalog = try Self.catalog(view, node: subscription.node, configuration: configuration)
            guard let message = subscription.response(from: catalog, nonce: Self.nonce()) else { return }
            logger.debug("Sending DeltaSecrets response", metadata: [
                "system_version_info": "\(message.systemVersionInfo)", "nonce": "\(message.nonce)",
                "count": "\(message.resources.count)", "removed": "\(message.removedResources)",
            ])
            try await response.write(message)
        }
    }

    // MARK: Shared

    /// Runs one bidirectional stream: a separate task reads the client's requests; this loop hands each to
    /// `handle`, and after every request, cache change or SVID expiry calls `respond` with the caller's current view
    /// (once the agent has synced). Ends when the client closes its side or goes away, or with the error `handle` or
    /// `respond` throws (a disowned agent's `Unavailable` among them).
    private func serve<Request: Sendable>(
        _ requests: RPCAsyncSequence<Request, any Error>,
        context: ServerContext,
        handle: (Request) throws(RPCError) -> Void,
        respond: (SDSView) async throws -> Void
    ) async throws {
        let selectors = try await attestation.selectors(context)
        let hold = cache.hold(selectors)
        defer { cache.release(hold) }
        let inbox = RequestInbox<Request>()
        let signal = cache.changes.subscribe()
        defer { cache.changes.unsubscribe(signal) }
        // Not a child task: the transport ends the request stream only after this handler returns (SWIFT-NOTES: RPC
        // cancellation is not task cancellation), so the reader must not be awaited.
        let reader = Task {
            do {
                for try await request in requests {
                    inbox.push(request)
                    signal.signal()
                }
            } catch {}
            inbox.finish()
            signal.signal()
        }
        defer { reader.cancel() }
        try await withRPCCancellationHandler {
            while true {
                let (received, ended) = inbox.drain()
                for request in received { try handle(request) }
                if ended { return }
                let (view, recheckAt) = try self.view(for: selectors)
                if let view { try await respond(view) }
                guard await signal.wait(timeout: recheckAt.map { Delay.until($0) }) else { return }
            }
        } onCancelRPC: {
            signal.close()
        }
    }

    /// What the caller may be served now, and when to look again (the earliest expiry of its SVIDs); nil until the
    /// agent has synced. Expired SVIDs are left out; a disowned agent, or one that never synced and cannot, fails
    /// with `Unavailable` and the reason.
    func view(for selectors: Set<String>) throws(RPCError) -> (view: SDSView?, recheckAt: Date?) {
        let now = Date()
        if let disowned = health.disowned {
            throw RPCError(code: .unavailable, message: disowned.reason)
        }
        let entries = cache.matchingEntries(for: selectors)
        cache.demandX509SVIDs(of: entries)
        let cannotSync = health.cannotIssueReason(now: now)
        return try cache.read { state throws(RPCError) -> (view: SDSView?, recheckAt: Date?) in
            guard state.synced, let bundle = state.bundle else {
                if let cannotSync { throw WorkloadAPIService.unavailable("the agent has no entries yet", cannotSync) }
                return (nil, nil)
            }
            var view = SDSView(svids: [], ownBundle: bundle.x509Bundle, federatedBundles: [])
            var recheckAt: Date?
            for entry in entries {
                guard let issued = state.svids[entry.id], issued.notAfter > now else {
                    if state.refused[entry.id] == nil && cannotSync == nil { view.pending = true }
                    continue
                }
                view.svids.append(issued)
                recheckAt = min(recheckAt ?? issued.notAfter, issued.notAfter)
            }
            view.federatedBundles = Set(entries.flatMap(\.federatesWith)).sorted().compactMap { state.federatedBundles[$0]?.x509Bundle }
            return (view, recheckAt)
        }
    }

    static func catalog(_ view: SDSView, node: Envoy_Config_Core_V3_Node?, configuration: SDSConfiguration) throws(RPCError) -> SecretCatalog {
        do {
            return try SecretCatalog(view: view, configuration: configuration, spiffeValidation: EnvoyNode.usesSPIFFEValidation(node, configuration: configuration))
        } catch {
            throw RPCError(code: .internalError, message: "could not encode the secrets: \(error)")
        }
    }

    /// SDS serves secrets only; an empty type URL is taken to mean them (SPIRE does not check it).
    static func checkTypeURL(_ typeURL: String) throws(RPCError) {
        guard typeURL.isEmpty || typeURL == SecretCatalog.typeURL else {
            throw RPCError(code: .invalidArgument, message: "type_url \"\(typeURL)\" is not served here: the secret discovery service serves \(SecretCatalog.typeURL)")
        }
    }

    /// A response nonce: 4 random bytes in hex, as SPIRE's.
    static func nonce() -> String {
        HexEncoding.lowercase((0..<4).map { _ in UInt8.random(in: .min ... .max) })
    }

    /// A string as Go's `%q` prints it (the names here are resource names: quotes and backslashes escaped).
    static func goQuoted(_ text: String) -> String {
        var quoted = "\""
        for character in text {
            if character == "\"" || character == "\\" { quoted.append("\\") }
            quoted.append(character)
        }
        return quoted + "\""
    }
}
