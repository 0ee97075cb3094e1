import Foundation
import SteepleTestSupport
import NIOSSL
import SteepleHTTP
import Testing
import Yams

/// `deploy/kubernetes/*.yaml` as a user applies them: the manifests parse, their objects fit together (the paths the
/// containers are given are the paths the volumes mount, the projected token is where `k8s_psat` reads it, RBAC grants
/// what the server and agent call), and the configurations in their ConfigMaps validate and run, as real processes,
/// against the fake control plane. Only what a cluster provides is substituted: host paths become a temporary
/// directory, the in-cluster API server becomes the fake's kubeconfig, Service names become 127.0.0.1.
@Suite("Kubernetes manifests", .serialized)
struct ManifestEndToEndTests {
    static let deploy = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("deploy/kubernetes")

    /// Every object of a manifest file.
    static func objects(_ name: String) throws -> [[String: Any]] {
        let text = try String(contentsOf: deploy.appendingPathComponent(name), encoding: .utf8)
        return try Yams.load_all(yaml: text).compactMap { $0 as? [String: Any] }
    }

    static func object(_ objects: [[String: Any]], kind: String, name: String) throws -> [String: Any] {
        try #require(objects.first { $0["kind"] as? String == kind && ($0["metadata"] as? [String: Any])?["name"] as? String == name }, "\(kind) \(name)")
    }

    static func dig(_ object: Any?, _ path: String...) -> Any? {
        var current = object
        for key in path {
            if let index = Int(key), let list = current as? [Any], index < list.count { current = list[index] } else { current = (current as? [String: Any])?[key] }
        }
        return current
    }

    @Test("the manifests fit together: mounts, the projected token, RBAC, probes on the health listeners")
    func structure() throws {
        let server = try Self.objects("steeple-server.yaml")
        let agent = try Self.objects("steeple-agent.yaml")
        let statefulSet = try Self.object(server, kind: "StatefulSet", name: "spire-server")
        let serverContainer = try #require(Self.dig(statefulSet, "spec", "template", "spec", "containers", "0") as? [String: Any])
        #expect(serverContainer["args"] as? [String] == ["run", "-config", "/run/spire/config/server.conf"])
        let serverMounts = serverContainer["volumeMounts"] as? [[String: Any]] ?? []
        #expect(serverMounts.contains { $0["mountPath"] as? String == "/run/spire/config" && $0["name"] as? String == "spire-config" })
        #expect(serverMounts.contains { $0["mountPath"] as? String == "/run/spire/data" })
        let trust = try Self.object(server, kind: "ClusterRole", name: "spire-server-trust-role")
        let rules = trust["rules"] as? [[String: Any]] ?? []
        #expect(rules.contains { ($0["resources"] as? [String]) == ["tokenreviews"] && ($0["verbs"] as? [String]) == ["create"] })
        #expect(rules.contains { ($0["resources"] as? [String])?.contains("pods") == true && ($0["resources"] as? [String])?.contains("nodes") == true })
        let configMapRole = try Self.object(server, kind: "Role", name: "spire-server-configmap-role")
        #expect(Self.dig(configMapRole, "rules", "0", "verbs") as? [String] == ["get", "patch"])
        _ = try Self.object(server, kind: "ConfigMap", name: "spire-bundle")

        let daemonSet = try Self.object(agent, kind: "DaemonSet", name: "spire-agent")
        let pod = try #require(Self.dig(daemonSet, "spec", "template", "spec") as? [String: Any])
        #expect(pod["hostPID"] as? Bool == true, "the k8s workload attestor reads /proc/<pid>/cgroup of workloads")
        let container = try #require(Self.dig(pod, "containers", "0") as? [String: Any])
        let mounts = container["volumeMounts"] as? [[String: Any]] ?? []
        let volumes = pod["volumes"] as? [[String: Any]] ?? []
        let tokenVolume = try #require(volumes.first { $0["name"] as? String == "spire-token" })
        let projected = try #require(Self.dig(tokenVolume, "projected", "sources", "0", "serviceAccountToken") as? [String: Any])
        let tokenMount = try #require(mounts.first { $0["name"] as? String == "spire-token" })
        #expect("\(tokenMount["mountPath"] ?? "")/\(projected["path"] ?? "")" == "/var/run/secrets/tokens/spire-agent", "k8s_psat's default token_path")
        #expect(projected["audience"] as? String == "spire-server", "the server's default audience")
        #expect(mounts.contains { $0["name"] as? String == "spire-bundle" && $0["mountPath"] as? String == "/run/spire/bundle" })
        #expect(Self.dig(container, "env", "0", "name") as? String == "MY_NODE_NAME")
        #expect(Self.dig(container, "readinessProbe", "httpGet", "path") as? String == "/ready")
    }

    @Test("the ConfigMaps' server.conf and agent.conf validate, and run: the agent attests with k8s_psat and trusts the bundle the server wrote")
    func configurationsRun() async throws {
        let server = try Self.objects("steeple-server.yaml")
        let agentObjects = try Self.objects("steeple-agent.yaml")
        let serverConf = try #require(Self.dig(try Self.object(server, kind: "ConfigMap", name: "spire-server"), "data", "server.conf") as? String)
        let agentConf = try #require(Self.dig(try Self.object(agentObjects, kind: "ConfigMap", name: "spire-agent"), "data", "agent.conf") as? String)

        let fake = try FakeKubernetes()
        defer { fake.stop() }
        var state = FakeKubernetes.State()
        state.nodes["node-1"] = FakeKubernetes.node(name: "node-1", uid: KubernetesEndToEndTests.nodeUID)
        state.pods["spire/spire-agent-x7k2p"] = FakeKubernetes.pod(name: "spire-agent-x7k2p", namespace: "spire", uid: KubernetesEndToEndTests.agentPodUID, node: "node-1", serviceAccount: "spire-agent")
        state.tokens["psat"] = FakeKubernetes.token(audiences: ["spire-server"], namespace: "spire", serviceAccount: "spire-agent", podName: "spire-agent-x7k2p", podUID: KubernetesEndToEndTests.agentPodUID)
        try fake.write(state)
        try fake.seedConfigMap(namespace: "spire", name: "spire-bundle")
        try await fake.start()
        let kubeconfig = try fake.writeKubeconfig()

        let serverPort = try freeTCPPort()
        let serverHealthPort = try freeTCPPort()
        let agentHealthPort = try freeTCPPort()
        let steeple = try ServerProcess(bindPort: serverPort)
        let serverText = serverConf
            .replacingOccurrences(of: "\"/run/spire/data", with: "\"\(steeple.directory)/data")
            .replacingOccurrences(of: "\"/tmp/spire-server/private/api.sock\"", with: "\"\(steeple.socketPath)\"")
            .replacingOccurrences(of: "bind_port = \"8081\"", with: "bind_port = \"\(serverPort)\"")
            .replacingOccurrences(of: "bind_port = \"8080\"", with: "bind_port = \"\(serverHealthPort)\"")
            .replacingOccurrences(of: "bind_address = \"0.0.0.0\"", with: "bind_address = \"127.0.0.1\"")
            .replacingOccurrences(of: "service_account_allow_list = [\"spire:spire-agent\"]", with: "service_account_allow_list = [\"spire:spire-agent\"]\n kube_config_file = \"\(kubeconfig)\"")
            .replacingOccurrences(of: "namespace = \"spire\"", with: "namespace = \"spire\"\n kube_config_file_path = \"\(kubeconfig)\"")
        try serverText.write(toFile: steeple.configPath, atomically: true, encoding: .utf8)
        let validated = try await steeple.cli(["validate", "-config", steeple.configPath])
        #expect(validated.status == 0, "\(validated.stdout)\(validated.stderr)")
        try await steeple.start()
        let serverPID = steeple.pid
        defer { if let serverPID, steeple.pid != nil { kill(serverPID, SIGKILL) } }

        let bundle = try await retrying(for: .seconds(10), until: { $0 != nil }) { fake.configMapData(namespace: "spire", name: "spire-bundle")?["bundle.crt"] }
        let agent = try AgentProcess(serverPort: serverPort, trustBundlePath: nil)
        let serverLog = (try? String(contentsOfFile: steeple.log, encoding: .utf8)) ?? ""
        try #require(bundle != nil, "the server wrote no bundle to the ConfigMap:\n\(serverLog)")
        try bundle!.write(toFile: agent.directory + "/bundle.crt", atomically: true, encoding: .utf8)
        try "psat".write(toFile: agent.directory + "/psat-token", atomically: true, encoding: .utf8)
        try fake.kubeletToken.write(toFile: agent.directory + "/kubelet-token", atomically: true, encoding: .utf8)
        let agentText = agentConf
            .replacingOccurrences(of: "data_dir = \"/run/spire\"", with: "data_dir = \"\(agent.directory)/data\"")
            .replacingOccurrences(of: "\"/run/spire/sockets/agent.sock\"", with: "\"\(agent.socketPath)\"")
            .replacingOccurrences(of: "\"/run/spire/bundle/bundle.crt\"", with: "\"\(agent.directory)/bundle.crt\"")
            .replacingOccurrences(of: "server_address = \"spire-server\"", with: "server_address = \"127.0.0.1\"")
            .replacingOccurrences(of: "server_port = \"8081\"", with: "server_port = \"\(serverPort)\"")
            .replacingOccurrences(of: "bind_port = \"8080\"", with: "bind_port = \"\(agentHealthPort)\"")
            .replacingOccurrences(of: "bind_address = \"0.0.0.0\"", with: "bind_address = \"127.0.0.1\"")
            .replacingOccurrences(of: "cluster = \"demo-cluster\"", with: "cluster = \"demo-cluster\"\n token_path = \"\(agent.directory)/psat-token\"")
            .replacingOccurrences(of: "skip_kubelet_verification = true", with: "skip_kubelet_verification = true\n kubelet_secure_port = \(fake.kubeletPort)\n token_path = \"\(agent.directory)/kubelet-token\"")
        try agentText.write(toFile: agent.configPath, atomically: true, encoding: .utf8)
        let agentValidated = try await agent.cli(["validate", "-config", agent.configPath])
        #expect(agentValidated.status == 0, "\(agentValidated.stdout)\(agentValidated.stderr)")
        agent.environment = ["MY_NODE_NAME": "localhost"]
        do {
            try await agent.start(joinToken: nil)
            #expect(agent.logText.contains("spiffe://example.org/spire/agent/k8s_psat/demo-cluster/\(KubernetesEndToEndTests.nodeUID)"), "\(agent.logText)")
            // The probes the manifests give the kubelet: /ready on both health listeners.
            for (what, port) in [("server", serverHealthPort), ("agent", agentHealthPort)] {
                let ready = try await retrying(for: .seconds(10), until: { $0 == 200 }) {
                    (try? await HTTPGet(url: URL(string: "http://127.0.0.1:\(port)/ready")!, transport: .network(tls: .makeClientConfiguration())).run())?.status ?? 0
                }
                #expect(ready == 200, "the \(what)'s readiness probe")
            }
        } catch {
            print("--- agent log\n\(agent.logText)")
            throw error
        }
        _ = try await agent.stop()
        _ = try await steeple.stop()
    }
}
