import EnvoySDSProto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SPIREAPIProto
import SteepleTestSupport
import SwiftProtobuf

/// What a service mesh sees (issue #18), on a real release server and agent: how long an entry change takes to reach
/// an open Envoy SDS stream (StreamSecrets and DeltaSecrets), and how the Delegated Identity API fans out to a node
/// proxy subscribed to 1,000 workloads' identities at once.
enum MeshBenchmarks {
    static let delegate = "spiffe://example.org/delegate"
    static let secretType = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret"
    /// The group every subscribed workload is in, so that one entry selecting it reaches every subscription.
    static let sharedGroup = "unix:gid:7777"

    static func run(scale: Double, report: MarkdownReport) async throws {
        let trials = scale < 1 ? 3 : 100
        let identities = scale < 1 ? 20 : 1000
        let fanOutTrials = scale < 1 ? 2 : 10
        let adminDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("steeple-bench-admin-\(UUID().uuidString.prefix(8))").path
        let adminSocket = adminDirectory + "/admin.sock"
        let domain = try BenchTrustDomain(agentCount: 1, agentLines: [
            "admin_socket_path = \"\(adminSocket)\"",
            "authorized_delegates = [\"\(delegate)\"]",
        ])
        defer { try? FileManager.default.removeItem(atPath: adminDirectory) }
        do {
            try await domain.start()
            let agent = domain.agents[0]
            let sotw = try await sdsLatency(domain, socket: agent.socketPath, trials: trials, delta: false)
            let delta = try await sdsLatency(domain, socket: agent.socketPath, trials: trials, delta: true)
            let sdsHeader = ["SDS stream", "trials", "p50 ms", "p99 ms", "max ms"]
            let sdsRows = [("StreamSecrets", sotw), ("DeltaSecrets", delta)].map { name, sample in
                [name, String(sample.count), LatencySample.milliseconds(sample.p50), LatencySample.milliseconds(sample.p99), LatencySample.milliseconds(sample.max)]
            }
            printTable("Envoy SDS update latency (entry create returned → the new secret on an open stream)", header: sdsHeader, rows: sdsRows)
            report.add(
                "Envoy SDS update latency", intro: "An open SDS stream (one per trial, opened before the change) asks for a SPIFFE ID by name; the clock runs from the admin API's `BatchCreateEntry` returning for that ID to the response carrying the `tls_certificate` secret arriving. Includes the agent's key generation and the server signing the SVID. One release server and agent on this machine.",
                header: sdsHeader, rows: sdsRows)

            let fanOut = try await delegatedFanOut(domain, adminSocket: adminSocket, identities: identities, trials: fanOutTrials)
            let header = ["Delegated Identity, \(identities) subscriptions", "samples", "p50 ms", "p99 ms", "max ms"]
            let rows = [
                ["subscribe → first SVIDs (per stream)", String(fanOut.subscribed.count), LatencySample.milliseconds(fanOut.subscribed.p50), LatencySample.milliseconds(fanOut.subscribed.p99), LatencySample.milliseconds(fanOut.subscribed.max)],
                ["one entry create → every stream updated (per stream)", String(fanOut.created.count), LatencySample.milliseconds(fanOut.created.p50), LatencySample.milliseconds(fanOut.created.p99), LatencySample.milliseconds(fanOut.created.max)],
                ["one entry create → all \(identities) updated (per trial)", String(fanOut.createdAll.count), LatencySample.milliseconds(fanOut.createdAll.p50), LatencySample.milliseconds(fanOut.createdAll.p99), LatencySample.milliseconds(fanOut.createdAll.max)],
                ["one entry delete → all \(identities) updated (per trial)", String(fanOut.deletedAll.count), LatencySample.milliseconds(fanOut.deletedAll.p50), LatencySample.milliseconds(fanOut.deletedAll.p99), LatencySample.milliseconds(fanOut.deletedAll.max)],
            ]
            printTable("Delegated Identity fan-out (one delegate, \(identities) SubscribeToX509SVIDs streams on one connection)", header: header, rows: rows)
            report.add(
                "Delegated Identity fan-out", intro: "A node proxy (the benchmark, an authorized delegate) holds \(identities) SubscribeToX509SVIDs streams on one connection to the agent's admin socket, one per workload (selectors `unix:uid:N` and `\(sharedGroup)`, each matching its own entry). First row: from opening all the streams to each one's first SVID. Then, \(fanOutTrials) times, one entry selecting `\(sharedGroup)` is created and deleted: that single change reaches every subscription; the per-trial rows time the slowest stream.",
                header: header, rows: rows)
            await domain.stop()
        } catch {
            await domain.stop()
            throw error
        }
    }

    // MARK: SDS

    /// One stream per trial asks for a SPIFFE ID that has no entry yet; the trial times `BatchCreateEntry` returning for
    /// that ID → the secret arriving on the stream.
    static func sdsLatency(_ domain: BenchTrustDomain, socket: String, trials: Int, delta: Bool) async throws -> LatencySample {
        let selector = "unix:uid:\(getuid())"
        let start = ContinuousClock.now
        var samples: [Duration] = []
        try await domain.withAdmin { admin in
            try await withGRPCClient(transport: try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: socket), transportSecurity: .plaintext)) { grpc in
                let client = Envoy_Service_Secret_V3_SecretDiscoveryService.Client(wrapping: grpc)
                for trial in 0..<trials {
                    let id = "spiffe://example.org/sds-\(delta ? "delta" : "sotw")/\(trial)"
                    let watcher = StreamWatcher()
                    let sample = try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            if delta {
                                let request = deltaRequest(id)
                                try await client.deltaSecrets(request: StreamingClientRequest { writer in
                                    try await writer.write(request)
                                    try await Task.sleep(for: .seconds(3600))
                                }) { response in
                                    for try await message in response.messages { watcher.record(Set(message.resources.map(\.name))) }
                                }
                            } else {
                                let request = streamRequest(id)
                                try await client.streamSecrets(request: StreamingClientRequest { writer in
                                    try await writer.write(request)
                                    try await Task.sleep(for: .seconds(3600))
                                }) { response in
                                    for try await message in response.messages {
                                        watcher.record(Set(try message.resources.map { try Envoy_Extensions_TransportSockets_Tls_V3_Secret(unpackingAny: $0).name }))
                                    }
                                }
                            }
                        }
                        defer { group.cancelAll() }
                        // Lets the request reach the agent, so that the change is pushed on a stream already waiting.
                        try await Task.sleep(for: .milliseconds(50))
                        let entryIDs = try await BenchTrustDomain.createEntries(admin, [(id, selector)])
                        let returned = ContinuousClock.now
                        let arrived = try await PropagationBenchmarks.waitAll([watcher], until: { $0.contains(id) })
                        try await admin.deleteEntries(entryIDs)
                        return arrived - returned
                    }
                    samples.append(sample)
                }
            }
        }
        return LatencySample(samples, elapsed: ContinuousClock.now - start)
    }

    static func streamRequest(_ name: String) -> Envoy_Service_Discovery_V3_DiscoveryRequest {
        var request = Envoy_Service_Discovery_V3_DiscoveryRequest()
        request.node = node
        request.typeURL = secretType
        request.resourceNames = [name]
        return request
    }

    static func deltaRequest(_ name: String) -> Envoy_Service_Discovery_V3_DeltaDiscoveryRequest {
        var request = Envoy_Service_Discovery_V3_DeltaDiscoveryRequest()
        request.node = node
        request.typeURL = secretType
        request.resourceNamesSubscribe = [name]
        return request
    }

    static var node: Envoy_Config_Core_V3_Node {
        var node = Envoy_Config_Core_V3_Node()
        node.id = "steeple-bench"
        node.cluster = "bench"
        return node
    }

    // MARK: Delegated Identity

    struct FanOut {
        let subscribed: LatencySample
        let created: LatencySample
        let createdAll: LatencySample
        let deletedAll: LatencySample
    }

    static func delegatedFanOut(_ domain: BenchTrustDomain, adminSocket: String, identities: Int, trials: Int) async throws -> FanOut {
        let ids = (0..<identities).map { "spiffe://example.org/mesh/\($0)" }
        let uids = (0..<identities).map { 100_000 + $0 }
        return try await domain.withAdmin { admin in
            _ = try await BenchTrustDomain.createEntries(admin, [(delegate, "unix:uid:\(getuid())")])
            for chunk in stride(from: 0, to: identities, by: 500) {
                let range = chunk..<min(identities, chunk + 500)
                _ = try await BenchTrustDomain.createEntries(admin, range.map { (ids[$0], "unix:uid:\(uids[$0])") })
            }
            return try await withGRPCClient(transport: try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: adminSocket), transportSecurity: .plaintext)) { grpc in
                let client = Spire_Api_Agent_Delegatedidentity_V1_DelegatedIdentity.Client(wrapping: grpc)
                // The delegate's own entry and the workloads' must reach the agent before subscribing: wait until a
                // subscription for the last workload is served with its SVID.
                try await waitUntilServed(client, uid: uids[identities - 1], id: ids[identities - 1])
                let watchers = ids.map { _ in StreamWatcher() }
                return try await withThrowingTaskGroup(of: Void.self) { group in
                    let opened = ContinuousClock.now
                    for index in 0..<identities {
                        let watcher = watchers[index]
                        let request = subscription(uid: uids[index])
                        group.addTask {
                            try await client.subscribeToX509SVIDs(request) { response in
                                for try await message in response.messages {
                                    watcher.record(Set(message.x509Svids.map { "spiffe://\($0.x509Svid.id.trustDomain)\($0.x509Svid.id.path)" }))
                                }
                            }
                        }
                    }
                    defer { group.cancelAll() }
                    let subscribed = try await times(watchers, ids: ids, since: opened)
                    var created: [Duration] = []
                    var createdAll: [Duration] = []
                    var deletedAll: [Duration] = []
                    for trial in 0..<trials {
                        let shared = "spiffe://example.org/mesh-shared/\(trial)"
                        let entryIDs = try await BenchTrustDomain.createEntries(admin, [(shared, sharedGroup)])
                        let returned = ContinuousClock.now
                        let last = try await PropagationBenchmarks.waitAll(watchers, until: { $0.contains(shared) })
                        createdAll.append(last - returned)
                        created += watchers.compactMap { $0.firstTime(where: { $0.contains(shared) }).map { $0 - returned } }
                        try await admin.deleteEntries(entryIDs)
                        let deleteReturned = ContinuousClock.now
                        let gone = try await PropagationBenchmarks.waitAll(watchers, until: { !$0.contains(shared) })
                        deletedAll.append(gone - deleteReturned)
                    }
                    let elapsed = ContinuousClock.now - opened
                    return FanOut(
                        subscribed: subscribed, created: LatencySample(created, elapsed: elapsed),
                        createdAll: LatencySample(createdAll, elapsed: elapsed), deletedAll: LatencySample(deletedAll, elapsed: elapsed))
                }
            }
        }
    }

    static func subscription(uid: Int) -> Spire_Api_Agent_Delegatedidentity_V1_SubscribeToX509SVIDsRequest {
        var request = Spire_Api_Agent_Delegatedidentity_V1_SubscribeToX509SVIDsRequest()
        request.selectors = ["unix:uid:\(uid)", sharedGroup].map { text in
            var selector = Spire_Api_Types_Selector()
            let parts = text.split(separator: ":", maxSplits: 1)
            selector.type = String(parts[0])
            selector.value = String(parts[1])
            return selector
        }
        return request
    }

    /// Each watcher's first message holding its ID, as a duration since `since`.
    static func times(_ watchers: [StreamWatcher], ids: [String], since: ContinuousClock.Instant) async throws -> LatencySample {
        for (watcher, id) in zip(watchers, ids) { try await PropagationBenchmarks.waitAll([watcher], until: { $0.contains(id) }) }
        let samples = zip(watchers, ids).compactMap { watcher, id in watcher.firstTime(where: { $0.contains(id) }).map { $0 - since } }
        return LatencySample(samples, elapsed: ContinuousClock.now - since)
    }

    /// Retries a subscription (PermissionDenied until the delegate's entry reaches the agent) until it carries `id`.
    static func waitUntilServed(
        _ client: Spire_Api_Agent_Delegatedidentity_V1_DelegatedIdentity.Client<HTTP2ClientTransport.Posix>, uid: Int, id: String
    ) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let served = try? await client.subscribeToX509SVIDs(subscription(uid: uid)) { response -> Bool in
                for try await message in response.messages where message.x509Svids.contains(where: { "spiffe://\($0.x509Svid.id.trustDomain)\($0.x509Svid.id.path)" == id }) {
                    return true
                }
                return false
            }
            if served == true { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchFailure("the agent did not serve \(id) to the delegate within 60 s")
    }
}
