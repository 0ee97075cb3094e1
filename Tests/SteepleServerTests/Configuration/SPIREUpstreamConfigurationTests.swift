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
