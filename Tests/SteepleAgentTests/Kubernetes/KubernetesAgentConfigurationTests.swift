import Foundation
import SteepleAgent
import SteepleKubernetes
import Testing

/// SPIRE's Kubernetes agent plugins in agent.conf: `NodeAttestor "k8s_psat"` and `WorkloadAttestor "k8s"`.
@Suite("agent.conf: Kubernetes plugins")
struct KubernetesAgentConfigurationTests {
    func parse(_ plugins: String) throws(AgentConfigurationError) -> AgentConfiguration {
        let text = #"agent { trust_domain = "example.org" trust_bundle_path = "/b.pem" }"# + "\nplugins {\n" + plugins + "\n}"
        return try AgentConfiguration.parse(Array(text.utf8), path: "agent.conf", overrides: AgentConfigurationOverrides())
    }

    @Test("SPIRE's Helm chart agent plugins read: k8s_psat with its default token path, k8s on the secure port with SPIRE's defaults")
    func helmChart() throws {
        let configuration = try parse("""
            NodeAttestor "k8s_psat" { plugin_data { cluster = "demo-cluster" } }
            KeyManager "memory" { plugin_data {} }
            WorkloadAttestor "k8s" {
                plugin_data {
                    disable_container_selectors = false
                    skip_kubelet_verification = true
                    node_name = "node-1"
                }
            }
            """)
        #expect(configuration.nodeAttestor == .k8sPSAT(cluster: "demo-cluster", tokenPath: "/var/run/secrets/tokens/spire-agent"))
        #expect(configuration.nodeAttestor.canReattest)
        let k8s = try #require(configuration.k8sWorkloadAttestor)
        #expect(k8s.secure && k8s.kubeletPort == 10250 && k8s.skipKubeletVerification && k8s.nodeName == "node-1")
        #expect(k8s.maxPollAttempts == 60 && k8s.pollRetryInterval == .milliseconds(500))
        #expect(k8s.tokenPath == "/var/run/secrets/kubernetes.io/serviceaccount/token")
        #expect(!configuration.unixWorkloadAttestor, "only the configured workload attestors run")
        let endpoint = try k8s.kubeletEndpoint()
        #expect(endpoint.server.absoluteString == "https://node-1:10250" && endpoint.insecureSkipTLSVerify)
    }

    @Test("every k8s key: the read-only port, polling, a client certificate, the node name from an environment variable")
    func everyKey() throws {
        setenv("STEEPLE_TEST_NODE", "node-7", 1)
        let configuration = try parse("""
            WorkloadAttestor "unix" {}
            WorkloadAttestor "k8s" { plugin_data {
                kubelet_read_only_port = 10255 max_poll_attempts = 3 poll_retry_interval = "1s"
                node_name_env = "STEEPLE_TEST_NODE" disable_container_selectors = true
                certificate_path = "/c.pem" private_key_path = "/k.pem" kubelet_ca_path = "/ca.pem"
                reload_interval = "1m" enable_namespace_labels = true
            } }
            """)
        let k8s = try #require(configuration.k8sWorkloadAttestor)
        #expect(!k8s.secure && k8s.kubeletPort == 10255 && k8s.maxPollAttempts == 3 && k8s.pollRetryInterval == .seconds(1))
        #expect(k8s.enableNamespaceLabels)
        #expect(k8s.nodeName == "node-7" && k8s.disableContainerSelectors && k8s.certificatePath == "/c.pem" && k8s.kubeletCAPath == "/ca.pem")
        #expect(configuration.unixWorkloadAttestor)
        #expect(configuration.ignoredKeys.contains("WorkloadAttestor.k8s.reload_interval"))
        #expect(try k8s.kubeletEndpoint().server.absoluteString == "http://127.0.0.1:10255")
    }

    @Test("refusals name the key and the fix", arguments: [
        (#"NodeAttestor "k8s_psat" { plugin_data {} }"#, "needs cluster"),
        (#"NodeAttestor "k8s_psat" { plugin_data { cluster = "c" token = "x" } }"#, "token"),
        (#"WorkloadAttestor "k8s" { plugin_data { kubelet_read_only_port = 10255 kubelet_secure_port = 10250 } }"#, "cannot use both the read-only and secure port"),
        (#"WorkloadAttestor "k8s" { plugin_data { certificate_path = "/c.pem" } }"#, "certificate_path and private_key_path go together"),
        (#"WorkloadAttestor "k8s" { plugin_data { sigstore { } } }"#, "sigstore"),
        (#"WorkloadAttestor "k8s" { plugin_data { poll_retry_interval = "soon" } }"#, "poll_retry_interval"),
        (#"WorkloadAttestor "systemd" {}"#, "supported: unix, k8s, docker"),
        (#"WorkloadAttestor "docker" { plugin_data { container_id_cgroup_matchers = ["/docker/<id>"] } }"#, "custom cgroup matchers are not supported yet"),
        (#"WorkloadAttestor "docker" { plugin_data { docker_socket_path = "tcp://127.0.0.1:2375" } }"#, "TCP engines are not supported"),
    ])
    func refused(plugins: String, mentions: String) {
        #expect {
            _ = try parse(plugins)
        } throws: { error in
            (error as? AgentConfigurationError)?.message.contains(mentions) == true
        }
    }

    @Test("the kubelet's CA must be readable unless verification is skipped")
    func unreadableCA() throws {
        let configuration = try parse(#"WorkloadAttestor "k8s" { plugin_data { kubelet_ca_path = "/nonexistent/ca.crt" } }"#)
        #expect { _ = try configuration.k8sWorkloadAttestor?.kubeletEndpoint() } throws: { error in
            (error as? AgentConfigurationError)?.message.contains("unable to load kubelet CA: cannot read kubelet_ca_path /nonexistent/ca.crt") == true
        }
    }
}
