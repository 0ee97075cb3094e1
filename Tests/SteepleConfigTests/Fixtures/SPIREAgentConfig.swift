/// A SPIRE agent configuration in the shape of SPIRE's `conf/agent/agent.conf`, extended with SDS, experimental
/// settings and two workload attestors.
enum SPIREAgentConfig {
    static let hcl = #"""
        agent {
            data_dir = "./.data"
            log_level = "DEBUG"
            trust_domain = "example.org"
            server_address = "localhost"
            server_port = 8081
            socket_path = "/tmp/spire-agent/public/api.sock"
            trust_bundle_path = "./conf/agent/dummy_root_ca.crt"
            x509_svid_cache_max_size = 1000
            availability_target = "24h"

            sds {
                default_svid_name = "default"
                default_bundle_name = "ROOTCA"
                default_all_bundles_name = "ALL"
            }

            experimental {
                sync_interval = "5s"
            }
        }

        plugins {
            NodeAttestor "join_token" {
                plugin_data {}
            }
            KeyManager "disk" {
                plugin_data {
                    directory = "./.data"
                }
            }
            WorkloadAttestor "k8s" {
                plugin_data {
                    skip_kubelet_verification = true
                    node_name_env = "MY_NODE_NAME"
                }
            }
            WorkloadAttestor "unix" {
                plugin_data {}
            }
        }

        health_checks {
            listener_enabled = true
            bind_address = "127.0.0.1"
            bind_port = "8080"
            live_path = "/live"
            ready_path = "/ready"
        }
        """#
}
