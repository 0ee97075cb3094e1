import EnvoySDSProto
import SwiftProtobuf

/// One `StreamSecrets` stream's xDS state (state-of-the-world variant): what the client asked for, the version and
/// nonce of the last response, and what that response held, so that a response goes out only when the requested
/// secrets change.
///
/// - A request answering an older nonce than the last one sent is stale and ignored (as SPIRE).
/// - A NACK (the last nonce with `error_detail`, or a version other than the last sent) is logged and does not cause
///   a resend of the same secrets, so a client that cannot apply them is not sent them in a loop.
/// - Secrets that went away are simply left out: for SDS, state-of-the-world cannot say "removed" (Envoy keeps its
///   copy); `DeltaSecrets` says it.
struct StateOfTheWorldSubscription: Sendable {
    enum Received: Equatable, Sendable {
        case first
        case ack
        /// The client could not apply the last response; `reason` is its `error_detail` message.
        case nack(reason: String)
        case stale(expected: String)
    }

    /// The names last asked for; nil before the first request. Empty means every secret SPIRE returns for a request
    /// naming none (``SecretCatalog/wildcardNames``).
    private(set) var names: [String]?
    /// The node of the last request that carried one.
    private(set) var node: Envoy_Config_Core_V3_Node?
    private(set) var typeURL = SecretCatalog.typeURL
    private(set) var version: UInt64 = 0
    private(set) var lastNonce = ""
    private var lastSent: [Google_Protobuf_Any]?

    mutating func receive(_ request: Envoy_Service_Discovery_V3_DiscoveryRequest) -> Received {
        let received: Received
        if lastNonce.isEmpty {
            received = names == nil ? .first : .ack
        } else if request.responseNonce != lastNonce {
            return .stale(expected: lastNonce)
        } else if request.hasErrorDetail || request.versionInfo != String(version) {
            received = .nack(reason: request.hasErrorDetail ? request.errorDetail.message : "version \"\(request.versionInfo)\" instead of \"\(version)\"")
        } else {
            received = .ack
        }
        if request.hasNode { node = request.node }
        if !request.typeURL.isEmpty { typeURL = request.typeURL }
        names = request.resourceNames.filter { !$0.isEmpty }
        return received
    }

    /// The response to send for the current catalog, or nil when nothing was asked yet, nothing asked for exists or
    /// the secrets are those of the last response. Names that do not exist (yet) are left out.
    mutating func response(from catalog: SecretCatalog, nonce: String) -> Envoy_Service_Discovery_V3_DiscoveryResponse? {
        guard let names else { return nil }
        let resources = Self.resources(for: names, in: catalog)
        guard !resources.isEmpty, resources != lastSent else { return nil }
        version += 1
        lastNonce = nonce
        lastSent = resources
        var response = Envoy_Service_Discovery_V3_DiscoveryResponse()
        response.versionInfo = String(version)
        response.typeURL = typeURL
        response.nonce = nonce
        response.resources = resources
        return response
    }

    /// The requested names the catalog does not hold.
    func missing(in catalog: SecretCatalog) -> [String] {
        (names ?? []).filter { catalog[$0] == nil }
    }

    /// The secrets for `names` in catalog order (every wildcard secret when `names` is empty).
    static func resources(for names: [String], in catalog: SecretCatalog) -> [Google_Protobuf_Any] {
        let wanted = names.isEmpty ? Set(catalog.wildcardNames) : Set(names)
        return catalog.items.filter { wanted.contains($0.name) }.map(\.resource)
    }
}
