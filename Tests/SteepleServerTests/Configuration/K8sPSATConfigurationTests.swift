import SteepleServer
import Testing

/// `NodeAttestor "k8s_psat"` in server.conf, as SPIRE's Kubernetes quickstart and Helm chart write it.
@Suite("server.conf: k8s_psat")
struct K8sPSATConfigurationTests {
    @Test("SPIRE's quickstart block: one cluster, its allow list, SPIRE's default audience and in-cluster access")
    func quickstart() throws {
        let configuration = try parse(plugins: """
            NodeAttestor "k8s_psat" {
                plugin_data {
                    clusters = {
                        "demo-cluster" = {
                            service_account_allow_list = ["spire:spire-agent"]
                        }
                    }
                }
            }
            """)
        let cluster = try #require(configuration.nodeAttestors.k8sPSAT?["demo-cluster"])
        #expect(cluster.serviceAccountAllowList == ["spire:spire-agent"])
        #expect(cluster.audience == ["spire-server"] && cluster.kubeConfigFile == nil && !cluster.usePodUIDForAgentID)
    }

    @Test("every cluster key, two clusters, and the block form")
    func everyKey() throws {
        let configuration = try parse(plugins: """
            NodeAttestor "k8s_psat" {
                plugin_data {
                    clusters = {
                        "a" = {
                            service_account_allow_list = ["spire:spire-agent", "kube-system:agent"]
                            audience = ["spire-server", "steeple"]
                            kube_config_file = "/etc/kube/a.yaml"
                            allowed_node_label_keys = ["topology.kubernetes.io/zone"]
                            allowed_pod_label_keys = ["app"]
                            use_pod_uid_for_agent_id = true
                        }
                        "b" = { service_account_allow_list = ["spire:spire-agent"] }
                    }
                }
            }
            """)
        let a = try #require(configuration.nodeAttestors.k8sPSAT?["a"])
        #expect(a.serviceAccountAllowList == ["spire:spire-agent", "kube-system:agent"] && a.audience == ["spire-server", "steeple"])
        #expect(a.kubeConfigFile == "/etc/kube/a.yaml" && a.allowedNodeLabelKeys == ["topology.kubernetes.io/zone"] && a.allowedPodLabelKeys == ["app"])
        #expect(a.usePodUIDForAgentID)
        #expect(configuration.nodeAttestors.k8sPSAT?.keys.sorted() == ["a", "b"])
    }

    @Test("refusals: a cluster without service accounts, an account that is not namespace:name, an unknown key", arguments: [
        (#"clusters = { "c" = { audience = ["x"] } }"#, "must have at least one service account allowed"),
        (#"clusters = { "c" = { service_account_allow_list = ["spire-agent"] } }"#, "is not namespace:name"),
        (#"clusters = { "c" = { service_account_allow_list = ["a:b"] kubeconfig = "/k" } }"#, "kubeconfig"),
        (#"cluster = "c""#, "cluster"),
    ])
    func refused(data: String, mentions: String) {
        #expect {
            _ = try parse(plugins: #"NodeAttestor "k8s_psat" { plugin_data { \#(data) } }"#)
        } throws: { error in
            "\(error)".contains(mentions)
        }
    }
}

/// `Notifier "k8sbundle"` in server.conf.
@Suite("server.conf: k8sbundle")
struct K8sBundleConfigurationTests {
    @Test("SPIRE's defaults, every key, and the keys it refuses")
    func keys() throws {
        let defaults = try #require(try parse(plugins: #"Notifier "k8sbundle" { plugin_data {} }"#).k8sBundleNotifier)
        #expect(defaults == K8sBundleNotifierConfiguration())
        #expect(defaults.namespace == "spire" && defaults.configMap == "spire-bundle" && defaults.configMapKey == "bundle.crt" && defaults.kubeConfigFilePath == nil)
        let set = try #require(try parse(plugins: #"Notifier "k8sbundle" { plugin_data { namespace = "ns" config_map = "cm" config_map_key = "ca.pem" kube_config_file_path = "/k" } }"#).k8sBundleNotifier)
        #expect(set.namespace == "ns" && set.configMap == "cm" && set.configMapKey == "ca.pem" && set.kubeConfigFilePath == "/k")
        #expect { _ = try parse(plugins: #"Notifier "k8sbundle" { plugin_data { webhook_label = "x" } }"#) } throws: { "\($0)".contains("webhook") }
    }
}
