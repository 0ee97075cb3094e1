import Foundation
import SteepleTestSupport
import Testing

/// SPIRE's Kubernetes setup end to end, with real processes: a server with `NodeAttestor "k8s_psat"` reviewing the
/// agent's projected token with a (fake, loopback, real TLS) API server, an agent with `k8s_psat` and
/// `WorkloadAttestor "k8s"` asking a (fake) kubelet, and workloads that are real processes in real kubepods cgroups.
@Suite("Kubernetes end to end", .serialized)
struct KubernetesEndToEndTests {
    static let nodeUID = "5b1d4c0e-1f0a-4c5e-8d7f-2a3b4c5d6e7f"
    static let agentPodUID = "8f2e7a61-0b9c-4d3e-a1f2-334455667788"
    static let webPodUID = "c0ffee00-1234-4abc-9def-0123456789ab"
    static let latePodUID = "d00dfeed-4321-4cba-8fed-ba9876543210"

    /// The fake cluster: node-1, the agent's pod, a web pod the kubelet lists, and the agent's tokens.
    static func cluster(_ fake: FakeKubernetes, webContainer: String) -> FakeKubernetes.State {
        var state = FakeKubernetes.State()
        state.namespaces["default"] = ["team": "web", "kubernetes.io/metadata.name": "default"]
        state.namespaces["batch"] = ["kubernetes.io/metadata.name": "batch"]
        state.nodes["node-1"] = FakeKubernetes.node(name: "node-1", uid: nodeUID, labels: ["topology.kubernetes.io/zone": "zone-a", "kubernetes.io/hostname": "node-1"])
        state.pods["spire/spire-agent-x7k2p"] = FakeKubernetes.pod(
            name: "spire-agent-x7k2p", namespace: "spire", uid: agentPodUID, node: "node-1", serviceAccount: "spire-agent",
            labels: ["app": "spire-agent", "pod-template-generation": "1"])
        state.tokens["psat-good"] = FakeKubernetes.token(audiences: ["spire-server"], namespace: "spire", serviceAccount: "spire-agent", podName: "spire-agent-x7k2p", podUID: agentPodUID)
        state.tokens["psat-other-audience"] = FakeKubernetes.token(audiences: ["vault"], namespace: "spire", serviceAccount: "spire-agent", podName: "spire-agent-x7k2p", podUID: agentPodUID)
        state.tokens["psat-default-sa"] = FakeKubernetes.token(audiences: ["spire-server"], namespace: "default", serviceAccount: "default", podName: "spire-agent-x7k2p", podUID: agentPodUID)
        state.tokens["psat-old-pod"] = FakeKubernetes.token(audiences: ["spire-server"], namespace: "spire", serviceAccount: "spire-agent", podName: "spire-agent-x7k2p", podUID: "00000000-0000-4000-8000-000000000000")
        state.kubeletPods = [
            FakeKubernetes.pod(name: "web-7d9f8b6c5-abcde", namespace: "default", uid: webPodUID, node: "node-1", serviceAccount: "web",
                               labels: ["app": "web", "tier": "frontend"], containers: [(name: "nginx", image: "nginx:1.27", id: webContainer)],
                               owner: (kind: "ReplicaSet", name: "web-7d9f8b6c5", uid: "1a2b3c4d-0000-4000-8000-00000000abcd")),
        ]
        return state
    }

    static func serverPlugins(kubeconfig: String) -> String {
        #"""
        Notifier "k8sbundle" { plugin_data { kube_config_file_path = "\#(kubeconfig)" } }
                    NodeAttestor "k8s_psat" {
                plugin_data {
                    clusters = {
                        "test-cluster" = {
                            service_account_allow_list = ["spire:spire-agent"]
                            kube_config_file = "\#(kubeconfig)"
                            allowed_node_label_keys = ["topology.kubernetes.io/zone"]
                            allowed_pod_label_keys = ["app"]
                        }
                    }
                }
            }
        """#
    }

    func agent(serverPort: Int, fake: FakeKubernetes, token: String, bundle: String? = nil) throws -> AgentProcess {
        // In the fake's directory, which stop() removes.
        let bundlePath = fake.directory + "/agent-bundle-\(UUID().uuidString.prefix(8)).pem"
        if let bundle { try bundle.write(toFile: bundlePath, atomically: true, encoding: .utf8) }
        let agent = try AgentProcess(
            serverPort: serverPort, trustBundlePath: bundle == nil ? nil : bundlePath,
            nodeAttestor: #"NodeAttestor "k8s_psat" { plugin_data { cluster = "test-cluster" token_path = "TOKEN" } }"#,
            extraPlugins: [
                #"WorkloadAttestor "k8s" { plugin_data { kubelet_secure_port = \#(fake.kubeletPort) kubelet_ca_path = "\#(fake.caPath)" token_path = "KUBELET_TOKEN" node_name = "localhost" max_poll_attempts = 50 poll_retry_interval = "200ms" enable_namespace_labels = true } }"#,
            ])
        // Namespace labels come from the API server, found as SPIRE's client finds it: here through KUBECONFIG.
        agent.environment = ["KUBECONFIG": try fake.writeKubeconfig()]
        try token.write(toFile: agent.directory + "/psat-token", atomically: true, encoding: .utf8)
        try fake.kubeletToken.write(toFile: agent.directory + "/kubelet-token", atomically: true, encoding: .utf8)
        let config = try String(contentsOfFile: agent.configPath, encoding: .utf8)
            .replacingOccurrences(of: "\"KUBELET_TOKEN\"", with: "\"\(agent.directory)/kubelet-token\"")
            .replacingOccurrences(of: "\"TOKEN\"", with: "\"\(agent.directory)/psat-token\"")
        try config.write(toFile: agent.configPath, atomically: true, encoding: .utf8)
        return agent
    }

    @Test("k8s_psat: the agent gets SPIRE's agent ID and selectors; a process in the web pod's cgroup gets the k8s entry's SVID, one outside gets none; a pod the kubelet lists late is waited for")
    func attestation() async throws {
        let fake = try FakeKubernetes()
        defer { fake.stop() }
        let webCgroup = try PodCgroup(podUID: Self.webPodUID)
        defer { webCgroup.remove() }
        try fake.write(Self.cluster(fake, webContainer: webCgroup.containerID))
        try fake.seedConfigMap(namespace: "spire", name: "spire-bundle")
        try await fake.start()

        let serverPort = try freeTCPPort()
        let server = try ServerProcess(bindPort: serverPort, plugins: Self.serverPlugins(kubeconfig: try fake.writeKubeconfig()))
        try await server.start()
        // Notifier "k8sbundle": the bundle lands in spire/spire-bundle, which the agent then trusts (as a mounted
        // ConfigMap would give it).
        let bundle = try await server.cli(["bundle", "show"])
        let published = try await retrying(for: .seconds(30), until: { $0 == bundle.stdout }) {
            fake.configMapData(namespace: "spire", name: "spire-bundle")?["bundle.crt"]
        }
        #expect(published == bundle.stdout, "the ConfigMap holds the bundle's X.509 authorities")
        #expect(fake.requests.contains("api PATCH /api/v1/namespaces/spire/configmaps/spire-bundle"))
        let agent = try agent(serverPort: serverPort, fake: fake, token: "psat-good", bundle: published)
        do {
            try await agent.start(joinToken: nil)
            let agentID = "spiffe://example.org/spire/agent/k8s_psat/test-cluster/\(Self.nodeUID)"
            #expect(agent.logText.contains("Node attestation was successful") && agent.logText.contains(agentID), "\(agent.logText)")
            #expect(fake.requests.contains("api POST /apis/authentication.k8s.io/v1/tokenreviews"))
            #expect(fake.requests.contains("api GET /api/v1/namespaces/spire/pods/spire-agent-x7k2p"))
            #expect(fake.requests.contains("api GET /api/v1/nodes/node-1"))

            let shown = try await server.cli(["agent", "show", "-spiffeID", agentID])
            #expect(shown.status == 0, "\(shown.stderr)")
            for selector in [
                "k8s_psat:cluster:test-cluster", "k8s_psat:agent_ns:spire", "k8s_psat:agent_sa:spire-agent",
                "k8s_psat:agent_pod_name:spire-agent-x7k2p", "k8s_psat:agent_pod_uid:\(Self.agentPodUID)", "k8s_psat:agent_node_ip:10.0.0.7",
                "k8s_psat:agent_node_name:node-1", "k8s_psat:agent_node_uid:\(Self.nodeUID)",
                "k8s_psat:agent_node_label:topology.kubernetes.io/zone:zone-a", "k8s_psat:agent_pod_label:app:spire-agent",
            ] {
                #expect(shown.stdout.contains("Selectors         : \(selector)\n"), "\(selector) in \(shown.stdout)")
            }
            #expect(!shown.stdout.contains("kubernetes.io/hostname") && !shown.stdout.contains("pod-template-generation"), "labels not allowed are not selectors: \(shown.stdout)")
            #expect(shown.stdout.contains("Attestation type  : k8s_psat"), "\(shown.stdout)")

            // A workload entry under the agent, by namespace, service account and pod label.
            let created = try await server.cli([
                "entry", "create", "-parentID", agentID, "-spiffeID", "spiffe://example.org/web",
                "-selector", "k8s:ns:default", "-selector", "k8s:sa:web", "-selector", "k8s:pod-label:app:web", "-selector", "k8s:ns-label:team:web",
            ])
            #expect(created.status == 0, "\(created.stderr)")
            let late = try await server.cli([
                "entry", "create", "-parentID", agentID, "-spiffeID", "spiffe://example.org/late", "-selector", "k8s:pod-uid:\(Self.latePodUID)",
            ])
            #expect(late.status == 0, "\(late.stderr)")
            let fetch = try builtExecutable("steeple-agent")
            let inPod = try await retrying(for: .seconds(30), until: { $0.status == 0 }) {
                try await webCgroup.run(fetch, ["api", "fetch", "x509", "-socketPath", agent.socketPath])
            }
            #expect(inPod.status == 0, "\(inPod.stderr)\n\(agent.logText)")
            #expect(inPod.stdout.contains("SPIFFE ID:\t\tspiffe://example.org/web"), "\(inPod.stdout)")
            #expect(fake.requests.contains("kubelet GET /pods"))
            #expect(fake.requests.contains("api GET /api/v1/namespaces/default\n"), "namespace labels were read")

            // The same program outside any pod: unix selectors only, so no identity.
            let outside = try await agent.cli(["api", "fetch", "x509"])
            #expect(outside.status != 0 && !outside.stdout.contains("spiffe://example.org/web"), "\(outside.stdout)")

            // A pod the kubelet does not list yet: the attestor asks again until it does. The fetches below wait
            // longer than the attestor's 50 polls of 200 ms, so each answer is the agent's, not the CLI's timeout.
            let patient = ["api", "fetch", "x509", "-timeout", "60s", "-socketPath", agent.socketPath]
            let lateCgroup = try PodCgroup(podUID: Self.latePodUID, systemd: true)
            defer { lateCgroup.remove() }
            let before = fake.requests.components(separatedBy: "kubelet GET /pods").count
            async let waited = lateCgroup.run(fetch, patient)
            _ = try await retrying(for: .seconds(30), until: { $0 >= before + 2 }) { fake.requests.components(separatedBy: "kubelet GET /pods").count }
            var state = Self.cluster(fake, webContainer: webCgroup.containerID)
            state.kubeletPods.append(FakeKubernetes.pod(
                name: "late-0", namespace: "batch", uid: Self.latePodUID, node: "node-1", serviceAccount: "default",
                containers: [(name: "job", image: "busybox:1.36", id: lateCgroup.containerID)]))
            try fake.write(state)
            let lateResult = try await waited
            #expect(lateResult.status == 0, "\(lateResult.stderr)\n\(agent.logText)")
            #expect(lateResult.stdout.contains("spiffe://example.org/late"), "\(lateResult.stdout)")

            // A kubelet that fails: the workload in a pod gets nothing (fail closed) and the log says why.
            state.kubeletStatus = 500
            try fake.write(state)
            let stranger = try PodCgroup(podUID: "eeeeeeee-0000-4000-8000-000000000001")
            defer { stranger.remove() }
            let refused = try await stranger.run(fetch, patient)
            #expect(refused.status != 0, "\(refused.stdout)")
            #expect(agent.logText.contains("Unable to get pod list from the kubelet"), "\(agent.logText)")
            #expect(agent.logText.contains("500 Internal Server Error: kubelet is failing"), "\(agent.logText)")

            // A kubelet that is gone: the same, and the log names the connection's failure.
            fake.stop()
            let unreachable = try await stranger.run(fetch, patient)
            #expect(unreachable.status != 0, "\(unreachable.stdout)")
            let gaveUp = try await retrying(for: .seconds(30), until: { $0.contains("k8s: unable to get the pod list from the kubelet") }) { agent.logText }
            #expect(gaveUp.contains("k8s: unable to get the pod list from the kubelet"), "\(gaveUp)")
            #expect(gaveUp.contains("Connection refused"), "\(gaveUp)")
        } catch {
            print("--- agent log\n\(agent.logText)\n--- server log\n\((try? String(contentsOfFile: server.log, encoding: .utf8)) ?? "")")
            _ = try? await agent.stop()
            _ = try? await server.stop()
            throw error
        }
        _ = try await agent.stop()
        _ = try await server.stop()
    }

    @Test("k8s_psat refusals: an unknown token, a token for another audience, a service account not allowed, a token of a pod that was replaced")
    func refusals() async throws {
        let fake = try FakeKubernetes()
        defer { fake.stop() }
        try fake.write(Self.cluster(fake, webContainer: PodCgroup.randomContainerID()))
        try await fake.start()
        let serverPort = try freeTCPPort()
        let server = try ServerProcess(bindPort: serverPort, plugins: Self.serverPlugins(kubeconfig: try fake.writeKubeconfig()))
        try await server.start()
        let cases: [(token: String, message: String)] = [
            ("psat-unknown", "unable to validate token with TokenReview API for cluster \"test-cluster\": token review API response contains an error: [invalid bearer token, service account token could not be validated]"),
            ("psat-other-audience", "token review API response contains an error: [invalid bearer token, token audiences [\"vault\"] is invalid for the target audiences [\"spire-server\"]]"),
            ("psat-default-sa", "\"default:default\" is not an allowed service account for cluster \"test-cluster\""),
            ("psat-old-pod", "pod UID mismatch for pod \"spire-agent-x7k2p\" in cluster \"test-cluster\": token bound to pod UID \"00000000-0000-4000-8000-000000000000\""),
        ]
        for (token, message) in cases {
            let agent = try agent(serverPort: serverPort, fake: fake, token: token)
            let result = try await agent.runToExit(joinToken: nil)
            #expect(result.status != 0, "\(token): \(result.log)")
            #expect(result.log.contains("failed to attest") && result.log.contains(message), "\(token): expected \(message) in\n\(result.log)")
        }
        let listed = try await server.cli(["agent", "list"])
        #expect(!listed.stdout.contains("k8s_psat"), "no refused agent is stored: \(listed.stdout)")
        _ = try await server.stop()
    }
}
