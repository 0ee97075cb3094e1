/// A SPIRE server configuration in the shape of SPIRE's `conf/server/server.conf`, extended with federation,
/// health checks and telemetry, in HCL and in both JSON shapes SPIRE accepts.
enum SPIREServerConfig {
    static let hcl = #"""
        # SPIRE server configuration, as an operator would write it.
        server {
            bind_address = "0.0.0.0"
            bind_port = "8081"
            socket_path = "/tmp/spire-server/private/api.sock"
            trust_domain = "example.org"
            data_dir = "./.data"
            log_level = "DEBUG"
            ca_key_type = "ec-p256"
            ca_ttl = "24h"
            default_x509_svid_ttl = "1h"
            default_jwt_svid_ttl = "5m"
            admin_ids = [
                "spiffe://example.org/admin",
                "spiffe://example.org/ops",
            ]

            ca_subject {
                country = ["US"]
                organization = ["SPIFFE"]
                common_name = ""
            }

            federation {
                bundle_endpoint {
                    address = "0.0.0.0"
                    port = 8443
                }
                federates_with "domain1.test" {
                    bundle_endpoint_url = "https://1.2.3.4:8443"
                    bundle_endpoint_profile "https_web" {}
                }
                federates_with "domain2.test" {
                    bundle_endpoint_url = "https://5.6.7.8:8443"
                    bundle_endpoint_profile "https_spiffe" {
                        endpoint_spiffe_id = "spiffe://domain2.test/beserver"
                    }
                }
            }
        }

        plugins {
            DataStore "sql" {
                plugin_data {
                    database_type = "sqlite3"
                    connection_string = "./.data/datastore.sqlite3"
                }
            }

            KeyManager "disk" {
                plugin_data {
                    keys_path = "./.data/keys.json"
                }
            }

            NodeAttestor "join_token" {
                plugin_data {}
            }

            UpstreamAuthority "disk" {
                plugin_data {
                    key_file_path = "./conf/server/dummy_upstream_ca.key"
                    cert_file_path = "./conf/server/dummy_upstream_ca.crt"
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
                host = "localhost"
                port = 9988
            }
            AllowedLabels = []
            BlockedLabels = []
        }
        """#

    /// The same configuration in HCL v1's JSON shape with lists of objects, as `hcl2json`-style tools emit it.
    static let jsonLists = #"""
        {
          "server": [{
            "bind_address": "0.0.0.0",
            "bind_port": "8081",
            "socket_path": "/tmp/spire-server/private/api.sock",
            "trust_domain": "example.org",
            "data_dir": "./.data",
            "log_level": "DEBUG",
            "ca_key_type": "ec-p256",
            "ca_ttl": "24h",
            "default_x509_svid_ttl": "1h",
            "default_jwt_svid_ttl": "5m",
            "admin_ids": ["spiffe://example.org/admin", "spiffe://example.org/ops"],
            "ca_subject": [{"country": ["US"], "organization": ["SPIFFE"], "common_name": ""}],
            "federation": [{
              "bundle_endpoint": [{"address": "0.0.0.0", "port": 8443}],
              "federates_with": [
                {"domain1.test": [{
                  "bundle_endpoint_url": "https://1.2.3.4:8443",
                  "bundle_endpoint_profile": [{"https_web": [{}]}]
                }]},
                {"domain2.test": [{
                  "bundle_endpoint_url": "https://5.6.7.8:8443",
                  "bundle_endpoint_profile": [{"https_spiffe": [{"endpoint_spiffe_id": "spiffe://domain2.test/beserver"}]}]
                }]}
              ]
            }]
          }],
          "plugins": [{
            "DataStore": [{"sql": [{"plugin_data": [{
              "database_type": "sqlite3",
              "connection_string": "./.data/datastore.sqlite3"
            }]}]}],
            "KeyManager": [{"disk": [{"plugin_data": [{"keys_path": "./.data/keys.json"}]}]}],
            "NodeAttestor": [{"join_token": [{"plugin_data": [{}]}]}],
            "UpstreamAuthority": [{"disk": [{"plugin_data": [{
              "key_file_path": "./conf/server/dummy_upstream_ca.key",
              "cert_file_path": "./conf/server/dummy_upstream_ca.crt"
            }]}]}]
          }],
          "health_checks": [{
            "listener_enabled": true,
            "bind_address": "0.0.0.0",
            "bind_port": "8080",
            "live_path": "/live",
            "ready_path": "/ready"
          }],
          "telemetry": [{
            "Prometheus": [{"host": "localhost", "port": 9988}],
            "AllowedLabels": [],
            "BlockedLabels": []
          }]
        }
        """#

    /// The same configuration as plain nested JSON objects, the shape operators write by hand.
    static let jsonObjects = #"""
        {
          "server": {
            "bind_address": "0.0.0.0",
            "bind_port": "8081",
            "socket_path": "/tmp/spire-server/private/api.sock",
            "trust_domain": "example.org",
            "data_dir": "./.data",
            "log_level": "DEBUG",
            "ca_key_type": "ec-p256",
            "ca_ttl": "24h",
            "default_x509_svid_ttl": "1h",
            "default_jwt_svid_ttl": "5m",
            "admin_ids": ["spiffe://example.org/admin", "spiffe://example.org/ops"],
            "ca_subject": {"country": ["US"], "organization": ["SPIFFE"], "common_name": ""},
            "federation": {
              "bundle_endpoint": {"address": "0.0.0.0", "port": 8443},
              "federates_with": {
                "domain1.test": {
                  "bundle_endpoint_url": "https://1.2.3.4:8443",
                  "bundle_endpoint_profile": {"https_web": {}}
                },
                "domain2.test": {
                  "bundle_endpoint_url": "https://5.6.7.8:8443",
                  "bundle_endpoint_profile": {"https_spiffe": {"endpoint_spiffe_id": "spiffe://domain2.test/beserver"}}
                }
              }
            }
          },
          "plugins": {
            "DataStore": {"sql": {"plugin_data": {
              "database_type": "sqlite3",
              "connection_string": "./.data/datastore.sqlite3"
            }}},
            "KeyManager": {"disk": {"plugin_data": {"keys_path": "./.data/keys.json"}}},
            "NodeAttestor": {"join_token": {"plugin_data": {}}},
            "UpstreamAuthority": {"disk": {"plugin_data": {
              "key_file_path": "./conf/server/dummy_upstream_ca.key",
              "cert_file_path": "./conf/server/dummy_upstream_ca.crt"
            }}}
          },
          "health_checks": {
            "listener_enabled": true,
            "bind_address": "0.0.0.0",
            "bind_port": "8080",
            "live_path": "/live",
            "ready_path": "/ready"
          },
          "telemetry": {
            "Prometheus": {"host": "localhost", "port": 9988},
            "AllowedLabels": [],
            "BlockedLabels": []
          }
        }
        """#
}
