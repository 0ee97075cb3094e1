import SteepleServer
import Testing

/// `UpstreamAuthority "spire"` in server.conf, as SPIRE's nested-servers guide writes it.
@Suite("server.conf: UpstreamAuthority spire")
struct SPIREUpstreamConfigurationTests {
    @Test("SPIRE's block (the port as a string, as SPIRE's docs give it, or a number)")
    func spireBlock() throws {
        let quoted = try parse(plugins: #"""
            UpstreamAuthority "spire" {
                plugin_data {
                    server_address = "upstream-spire-server"
                    server_port = "8081"
                    workload_api_socket = "/run/spire/sockets/agent.sock"
                }
            }
            """#)
        #expect(quoted.upstreamAuthority == .spire(serverAddress: "upstream-spire-server", serverPort: 8081, workloadAPISocket: "/run/spire/sockets/agent.sock"))
        let number = try parse(plugins: #"UpstreamAuthority "spire" { plugin_data { server_address = "10.0.0.1" server_port = 443 workload_api_socket = "/s" } }"#)
        #expect(number.upstreamAuthority == .spire(serverAddress: "10.0.0.1", serverPort: 443, workloadAPISocket: "/s"))
    }

    @Test("a missing key, a port that is not one, an unknown key and two upstream authorities are refused, naming the fix", arguments: [
        (#"UpstreamAuthority "spire" { plugin_data { server_port = "8081" workload_api_socket = "/s" } }"#, "missing required key \"server_address\""),
        (#"UpstreamAuthority "spire" { plugin_data { server_address = "a" workload_api_socket = "/s" } }"#, "missing required key \"server_port\""),
        (#"UpstreamAuthority "spire" { plugin_data { server_address = "a" server_port = "8081" } }"#, "missing required key \"workload_api_socket\""),
        (#"UpstreamAuthority "spire" { plugin_data { server_address = "a" server_port = "70000" workload_api_socket = "/s" } }"#, "is not a TCP port (1-65535)"),
        (#"UpstreamAuthority "spire" { plugin_data { server_address = "a" server_port = "8081" workload_api_socket = "/s" workload_api_named_pipe_name = "p" } }"#, "workload_api_named_pipe_name"),
        (#"UpstreamAuthority "spire" { plugin_data { server_address = "a" server_port = "8081" workload_api_socket = "/s" } } UpstreamAuthority "disk" { plugin_data { cert_file_path = "c" key_file_path = "k" } }"#, "UpstreamAuthority"),
    ])
    func refusals(plugins: String, mentions: String) {
        #expect {
            _ = try parse(plugins: plugins)
        } throws: { error in
            "\(error)".contains(mentions)
        }
    }
}

/// `UpstreamAuthority "vault"` in server.conf, with SPIRE's keys and environment variables.
@Suite("server.conf: UpstreamAuthority vault")
struct VaultUpstreamConfigurationTests {
    @Test("token and AppRole authentication, SPIRE's defaults (pki, approle), and the environment taking precedence as in SPIRE")
    func keys() throws {
        let token = try parse(plugins: #"""
            UpstreamAuthority "vault" {
                plugin_data {
                    vault_addr = "https://vault.example:8200/"
                    pki_mount_point = "spire-pki"
                    ca_cert_path = "/etc/vault/ca.pem"
                    insecure_skip_verify = false
                    namespace = "team-a"
                    token_auth { token = "hvs.abc" }
                }
            }
            """#)
        guard case .vault(let settings) = token.upstreamAuthority else { Issue.record("\(String(describing: token.upstreamAuthority))"); return }
        #expect(settings.vaultAddress == "https://vault.example:8200/" && settings.pkiMountPoint == "spire-pki" && settings.caCertPath == "/etc/vault/ca.pem")
        #expect(settings.namespace == "team-a" && settings.authentication == .token("hvs.abc"))
        #expect(try settings.resolved(environment: ["VAULT_TOKEN": "hvs.env", "VAULT_ADDR": "https://other:8200"]).authentication == .token("hvs.env"))
        #expect(try settings.resolved(environment: ["VAULT_ADDR": "https://other:8200"]).vaultAddress == "https://other:8200")

        let appRole = try parse(plugins: #"UpstreamAuthority "vault" { plugin_data { approle_auth {} } }"#)
        guard case .vault(let roleSettings) = appRole.upstreamAuthority else { Issue.record("\(String(describing: appRole.upstreamAuthority))"); return }
        #expect(roleSettings.pkiMountPoint == "pki" && roleSettings.authentication == .appRole(mountPoint: "approle", roleID: "", secretID: ""))
        let resolved = try roleSettings.resolved(environment: ["VAULT_ADDR": "http://127.0.0.1:8200", "VAULT_APPROLE_ID": "r", "VAULT_APPROLE_SECRET_ID": "s"])
        #expect(resolved.authentication == .appRole(mountPoint: "approle", roleID: "r", secretID: "s"))
        #expect { _ = try roleSettings.resolved(environment: [:]) } throws: { "\($0)".contains("vault_addr is required (or VAULT_ADDR") }
        #expect { _ = try roleSettings.resolved(environment: ["VAULT_ADDR": "http://v"]) } throws: { "\($0)".contains("approle_auth needs approle_id and approle_secret_id") }
    }

    @Test("no authentication, two of them, cert_auth/k8s_auth (not supported yet) and an unknown key are refused, naming the fix", arguments: [
        (#"UpstreamAuthority "vault" { plugin_data { vault_addr = "https://v" } }"#, "must be configured with one authentication method: token_auth"),
        (#"UpstreamAuthority "vault" { plugin_data { token_auth { token = "t" } approle_auth {} } }"#, "only one authentication method can be configured"),
        (#"UpstreamAuthority "vault" { plugin_data { cert_auth { cert_auth_role_name = "r" } } }"#, "cert_auth of UpstreamAuthority \"vault\" is not supported yet: use token_auth or approle_auth"),
        (#"UpstreamAuthority "vault" { plugin_data { k8s_auth { k8s_auth_role_name = "r" } } }"#, "k8s_auth of"),
        (#"UpstreamAuthority "vault" { plugin_data { token_auth { token = "t" } transit_engine_path = "x" } }"#, "transit_engine_path"),
    ])
    func refusals(plugins: String, mentions: String) {
        #expect {
            _ = try parse(plugins: plugins)
        } throws: { error in
            "\(error)".contains(mentions)
        }
    }
}
