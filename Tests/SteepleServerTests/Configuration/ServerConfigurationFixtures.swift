/// Server configurations as operators write them for SPIRE.
enum ServerConfigurationFixtures {
    /// A production-shaped SPIRE `server.conf`, as documented in SPIRE's `doc/spire_server.md` and
    /// `conf/server/server_full.conf`: every supported section, plus keys Steeple accepts and ignores.
    static let spireExample = #"""
        # SPIRE server configuration for the example.org trust domain.
        server {
            bind_address = "0.0.0.0"
            bind_port = "8081"
            socket_path = "/tmp/spire-server/private/api.sock"
            trust_domain = "example.org"
            data_dir = "/opt/spire/data/server"
            log_level = "DEBUG"
            log_format = "json"
            ca_key_type = "rsa-2048"
            jwt_key_type = "ec-p384"
            ca_ttl = "168h"
            default_x509_svid_ttl = "48h"
            default_jwt_svid_ttl = "15m"
            agent_ttl = "72h"
            jwt_issuer = "https://oidc.example.org"
            audit_log_enabled = true
            admin_ids = ["spiffe://example.org/admin"]

            ca_subject {
                country = ["US"]
                organization = ["SPIFFE"]
                common_name = "example.org CA"
            }

            federation {
                bundle_endpoint {
                    address = "0.0.0.0"
                    port = 8443
                }
            }
        }

        plugins {
            DataStore "sql" {
                plugin_data {
                    database_type = "sqlite3"
                    connection_string = "/opt/spire/data/server/datastore.sqlite3"
                    max_open_conns = 10
                }
            }

            KeyManager "disk" {
                plugin_data {
                    keys_path = "/opt/spire/data/server/keys.json"
                }
            }

            NodeAttestor "join_token" {
                plugin_data {}
            }

            NodeAttestor "x509pop" {
                plugin_data {
                    ca_bundle_path = "/opt/spire/conf/server/agent-cacert.pem"
                    agent_path_template = "/x509pop/cn/{{ .Subject.CommonName }}"
                }
            }

            NodeAttestor "k8s_psat" {
                enabled = false
                plugin_data {
                    clusters = { "demo" = { service_account_allow_list = ["spire:spire-agent"] } }
                }
            }

            UpstreamAuthority "disk" {
                plugin_data {
                    key_file_path = "/opt/spire/conf/server/upstream-ca.key"
                    cert_file_path = "/opt/spire/conf/server/upstream-ca.crt"
                    bundle_file_path = "/opt/spire/conf/server/upstream-bundle.crt"
                }
            }
        }

        health_checks {
            listener_enabled = true
            bind_address = "0.0.0.0"
            bind_port = "8080"
            live_path = "/live"
            ready_path = "/ready"
        }

        telemetry {
            Prometheus {
                port = 9988
            }
        }
        """#

    /// The same configuration in JSON, as plain nested objects with SPIRE's lists of plugin objects.
    static let spireExampleJSON = #"""
        {
          "server": {
            "bind_address": "0.0.0.0",
            "bind_port": 8081,
            "socket_path": "/tmp/spire-server/private/api.sock",
            "trust_domain": "example.org",
            "data_dir": "/opt/spire/data/server",
            "log_level": "DEBUG",
            "log_format": "json",
            "ca_key_type": "rsa-2048",
            "jwt_key_type": "ec-p384",
            "ca_ttl": "168h",
            "default_x509_svid_ttl": "48h",
            "default_jwt_svid_ttl": "15m",
            "agent_ttl": "72h",
            "jwt_issuer": "https://oidc.example.org",
            "audit_log_enabled": true,
            "admin_ids": ["spiffe://example.org/admin"],
            "ca_subject": {"country": ["US"], "organization": ["SPIFFE"], "common_name": "example.org CA"},
            "federation": {"bundle_endpoint": {"address": "0.0.0.0", "port": 8443}}
          },
          "plugins": {
            "DataStore": [{"sql": {"plugin_data": {
              "database_type": "sqlite3",
              "connection_string": "/opt/spire/data/server/datastore.sqlite3",
              "max_open_conns": 10
            }}}],
            "KeyManager": [{"disk": {"plugin_data": {"keys_path": "/opt/spire/data/server/keys.json"}}}],
            "NodeAttestor": [
              {"join_token": {"plugin_data": {}}},
              {"x509pop": {"plugin_data": {
                "ca_bundle_path": "/opt/spire/conf/server/agent-cacert.pem",
                "agent_path_template": "/x509pop/cn/{{ .Subject.CommonName }}"
              }}},
              {"k8s_psat": {"enabled": false, "plugin_data": {
                "clusters": {"demo": {"service_account_allow_list": ["spire:spire-agent"]}}
              }}}
            ],
            "UpstreamAuthority": [{"disk": {"plugin_data": {
              "key_file_path": "/opt/spire/conf/server/upstream-ca.key",
              "cert_file_path": "/opt/spire/conf/server/upstream-ca.crt",
              "bundle_file_path": "/opt/spire/conf/server/upstream-bundle.crt"
            }}}]
          },
          "health_checks": {
            "listener_enabled": true,
            "bind_address": "0.0.0.0",
            "bind_port": "8080",
            "live_path": "/live",
            "ready_path": "/ready"
          },
          "telemetry": {"Prometheus": {"port": 9988}}
        }
        """#

    /// The six-line configuration `docs/configuration.md` shows: SQLite and disk keys in `data_dir` by default.
    static let minimal = #"""
        server {
            trust_domain = "example.org"
            data_dir = "./.data"
            bind_port = 8081
        }
        plugins { NodeAttestor "join_token" {} }
        """#

    /// SPIRE's shipped `conf/server/server.conf` shape: quoted port, memory key manager as an object attribute.
    static let spireShipped = #"""
        server {
            bind_address = "127.0.0.1"
            bind_port = "8081"
            socket_path = "/tmp/spire-server/private/api.sock"
            trust_domain = "example.org"
            data_dir = "./.data"
            log_level = "DEBUG"
            ca_ttl = "168h"
            default_x509_svid_ttl = "48h"
        }

        plugins {
            DataStore "sql" {
                plugin_data {
                    database_type = "sqlite3"
                    connection_string = "./.data/datastore.sqlite3"
                }
            }

            NodeAttestor "join_token" {
                plugin_data {
                }
            }

            KeyManager "memory" {
                plugin_data = {}
            }

            UpstreamAuthority "disk" {
                plugin_data {
                    key_file_path = "./conf/server/dummy_upstream_ca.key"
                    cert_file_path = "./conf/server/dummy_upstream_ca.crt"
                }
            }
        }
        """#
}
