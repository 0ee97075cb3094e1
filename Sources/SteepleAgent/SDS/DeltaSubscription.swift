import EnvoySDSProto

/// One `DeltaSecrets` stream's xDS state (incremental variant): the subscribed names (and whether the client
/// subscribed to everything), and the version of each secret the client holds, so that a response carries only the
/// secrets that changed and the names of those that went away.
///
/// - The first request's `initial_resource_versions` say what a reconnecting client already holds: what has not
///   changed since is not sent again.
/// - A wildcard subscription (a first request naming nothing, or `*`) covers what SPIRE returns for a request naming
///   nothing (``SecretCatalog/wildcardNames``), plus any names subscribed explicitly.
/// - A NACK is logged by the caller; the secrets it refused count as held, so they are not sent again until they
///   change.
/// - A subscribed secret the client holds that no longer exists is named in `removed_resources`; one it never held
///   is not (it may appear later, and is sent then).
struct DeltaSubscription: Sendable {
    enum Received: Equatable, Sendable {
        case subscription
        case ack
        case nack(reason: String)
    }

    private var started = false
    private(set) var wildcard = false
    private(set) var subscribed: Set<String> = []
    /// Name → version of every secret the client holds, as far as this stream knows.
    private(set) var held: [String: String] = [:]
    private(set) var node: Envoy_Config_Core_V3_Node?
    private(set) var typeURL = SecretCatalog.typeURL
    private(set) var systemVersion: UInt64 = 0

    mutating func receive(_ request: Envoy_Service_Discovery_V3_DeltaDiscoveryRequest) -> Received {
        if !started {
            started = true
            wildcard = request.resourceNamesSubscribe.isEmpty
            held = request.initialResourceVersions
        }
        if request.hasNode { node = request.node }
        if !request.typeURL.isEmpty { typeURL = request.typeURL }
        for name in request.resourceNamesSubscribe {
            if name == "*" { wildcard = true } else if !name.isEmpty { subscribed.insert(name) }
        }
        for name in request.resourceNamesUnsubscribe {
            if name == "*" {
                wildcard = false
            } else {
                subscribed.remove(name)
            }
        }
        // What the client no longer wants it drops itself: forget it, so that a later subscription sends it again.
        held = held.filter { wildcard || subscribed.contains($0.key) }
        if request.hasErrorDetail { return .nack(reason: request.errorDetail.message) }
        if !request.responseNonce.isEmpty, request.resourceNamesSubscribe.isEmpty, request.resourceNamesUnsubscribe.isEmpty { return .ack }
        return .subscription
    }

    /// The names this stream wants from `catalog`.
    func wanted(in catalog: SecretCatalog) -> Set<String> {
        wildcard ? subscribed.union(catalog.wildcardNames) : subscribed
    }

    /// The changed and removed secrets, or nil when the client holds exactly what it wants.
    mutating func response(from catalog: SecretCatalog, nonce: String) -> Envoy_Service_Discovery_V3_DeltaDiscoveryResponse? {
        guard started else { return nil }
        let wanted = wanted(in: catalog)
        var resources: [Envoy_Service_Discovery_V3_Resource] = []
        for item in catalog.items where wanted.contains(item.name) && held[item.name] != item.version {
            var resource = Envoy_Service_Discovery_V3_Resource()
            resource.name = item.name
            resource.version = item.version
            resource.resource = item.resource
            resources.append(resource)
        }
        let removed = held.keys.filter { catalog[$0] == nil || !wanted.contains($0) }.sorted()
        guard !resources.isEmpty || !removed.isEmpty else { return nil }
        for resource in resources { held[resource.name] = resource.version }
        for name in removed { held[name] = nil }
        systemVersion += 1
        var response = Envoy_Service_Discovery_V3_DeltaDiscoveryResponse()
        response.systemVersionInfo = String(systemVersion)
        response.typeURL = typeURL
        response.nonce = nonce
        response.resources = resources
        response.removedResources = removed
        return response
    }
}
