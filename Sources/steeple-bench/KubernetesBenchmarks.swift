import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import SteepleAgent
import SteepleKubernetes

import Foundation

/// The `k8s` workload attestor's cost per call: finding the caller's pod and container in its cgroup file, decoding a
/// kubelet's pod list (110 pods, the kubelet's default maximum), and a whole attestation with the pod list cached
/// (warm: no kubelet call) and with a list that lacks the caller until refetched (cold: one kubelet call, here a
/// loopback NIO server answering with the same bytes). The cgroup file is a real file in the shape
/// `/proc/<pid>/cgroup` has in a pod.
enum KubernetesBenchmarks {
    static let pods = 110

    static func run(scale: Double, report: MarkdownReport) async throws {
        var runner = BenchmarkRunner(scale: scale)
        print(BenchmarkRunner.header)
        let directory = NSTemporaryDirectory() + "steeple-bench-k8s-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (list, target) = podList()
        let cgroupText = (1...12).map { "\($0):\(["pids", "memory", "cpu", "cpuacct", "blkio", "devices", "freezer", "net_cls", "perf_event", "hugetlb", "cpuset", "name=systemd"][$0 - 1]):/kubepods/burstable/pod\(target.uid)/\(target.container)" }.joined(separator: "\n") + "\n0::/\n"
        try FileManager.default.createDirectory(atPath: directory + "/4242", withIntermediateDirectories: true)
        try cgroupText.write(toFile: directory + "/4242/cgroup", atomically: true, encoding: .utf8)

        try runner.measure("k8s: pod and container from a cgroup file", iterations: 200_000) {
            _ = try PodContainerLocator.locate(cgroupFile: cgroupText)
        }
        let body = Data(list.utf8)
        try runner.measure("k8s: decode a kubelet pod list (\(pods) pods)", iterations: 300) {
            _ = try JSONDecoder().decode(PodList.self, from: body)
        }

        let server = try await FixedHTTPServer.start(body: Array(body))
        defer { server.stop() }
        var settings = AgentConfiguration.K8sWorkloadAttestorSettings()
        settings.secure = false
        settings.kubeletPort = server.port
        settings.maxPollAttempts = 2
        // The list is reused for poll_retry_interval: long, so that every warm iteration finds it.
        settings.pollRetryInterval = .seconds(3600)
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        let attestor = K8sWorkloadAttestor(settings: settings, kubelet: try settings.kubeletEndpoint(), procRoot: directory, logger: logger)
        let caller = WorkloadCaller(pid: 4242, uid: 0, gid: 0, supplementaryGroups: [])
        let selectors = try await attestor.selectors(for: caller)
        guard selectors.contains("k8s:pod-uid:\(target.uid)") else {
            throw BenchError("the k8s attestor found no pod: \(selectors.sorted())")
        }
        try await runner.measure("k8s: attest a process, warm pod list", iterations: 20_000) {
            _ = try await attestor.selectors(for: caller)
        }
        let unlisted = WorkloadCaller(pid: 4343, uid: 0, gid: 0, supplementaryGroups: [])
        try FileManager.default.createDirectory(atPath: directory + "/4343", withIntermediateDirectories: true)
        try "1:pids:/kubepods/burstable/pod\(target.uid)/\(String(repeating: "e", count: 64))\n".write(toFile: directory + "/4343/cgroup", atomically: true, encoding: .utf8)
        var coldSettings = settings
        coldSettings.maxPollAttempts = 1
        let cold = K8sWorkloadAttestor(settings: coldSettings, kubelet: try settings.kubeletEndpoint(), procRoot: directory, logger: logger)
        try await runner.measure("k8s: attest a process, kubelet fetch", iterations: 500) {
            _ = try await cold.selectors(for: caller)
            // A container the list lacks: the next call must fetch again.
            _ = try? await cold.selectors(for: unlisted)
        }
        report.addRaw("## Kubernetes workload attestation\n\n" + description + "\n\n" + runner.markdown() + "\n")
    }

    static let description = """
        The `k8s` workload attestor (`KubernetesBenchmarks`): locating a pod and container in a 13-line cgroup file, \
        decoding a \(pods)-pod kubelet list, and whole attestations: warm (the cached list holds the caller) and with a \
        kubelet fetch from a loopback HTTP server (each iteration also attests a container the list lacks, so the next \
        call fetches again: two attestations and two fetches per row).
        """

    /// A kubelet `/pods` answer of `pods` pods with two containers each, and the pod and container to look for.
    static func podList() -> (String, (uid: String, container: String)) {
        var items: [String] = []
        var target = (uid: "", container: "")
        for index in 0..<pods {
            let uid = String(format: "%08x-1111-4222-8333-%012x", index, index)
            let containers = (0..<2).map { String(format: "%064x", index * 2 + $0 + 1) }
            if index == pods / 2 { target = (uid, containers[1]) }
            let statuses = containers.enumerated().map { number, id in
                #"{"name":"c\#(number)","image":"registry.example.org/app:\#(index)","imageID":"registry.example.org/app@sha256:\#(String(repeating: "ab", count: 32))","containerID":"containerd://\#(id)","ready":true,"restartCount":0,"state":{"running":{"startedAt":"2026-12-06T10:00:00Z"}}}"#
            }
            items.append(#"""
                {"metadata":{"name":"app-\#(index)","namespace":"ns-\#(index % 10)","uid":"\#(uid)","labels":{"app":"app-\#(index)","tier":"backend","pod-template-hash":"7d9f8b6c5"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"app-\#(index)-7d9f8b6c5","uid":"\#(uid)","controller":true}]},"spec":{"serviceAccountName":"sa-\#(index)","nodeName":"node-1","containers":[{"name":"c0","image":"registry.example.org/app:\#(index)"},{"name":"c1","image":"registry.example.org/app:\#(index)"}]},"status":{"phase":"Running","hostIP":"10.0.0.7","podIP":"10.244.1.\#(index)","containerStatuses":[\#(statuses.joined(separator: ","))]}}
                """#)
        }
        return (#"{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[\#(items.joined(separator: ","))]}"#, target)
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A loopback HTTP/1.1 server answering every request with the same JSON body (the kubelet double of the benchmark).
final class FixedHTTPServer: Sendable {
    let channel: any Channel
    let port: Int

    private init(channel: any Channel, port: Int) {
        self.channel = channel
        self.port = port
    }

    static func start(body: [UInt8]) async throws -> FixedHTTPServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap { channel.pipeline.addHandler(Responder(body: body)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return FixedHTTPServer(channel: channel, port: channel.localAddress?.port ?? 0)
    }

    func stop() {
        channel.close(promise: nil)
    }

    private final class Responder: ChannelInboundHandler, Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let body: [UInt8]

        init(body: [UInt8]) { self.body = body }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .end = unwrapInboundIn(data) else { return }
            var head = HTTPResponseHead(version: .http1_1, status: .ok)
            head.headers.add(name: "Content-Type", value: "application/json")
            head.headers.add(name: "Content-Length", value: String(body.count))
            head.headers.add(name: "Connection", value: "close")
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { [context] _ in context.close(promise: nil) }
        }
    }
}
