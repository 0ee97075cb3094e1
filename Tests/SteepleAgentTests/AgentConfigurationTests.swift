import Foundation
import SPIFFE
import Logging
import SteepleAgent
import Testing

@Suite("agent.conf")
struct AgentConfigurationTests {
    func parse(_ text: String, _ overrides: AgentConfigurationOverrides = AgentConfigurationOverrides()) throws(AgentConfigurationError) -> AgentConfiguration {
        try AgentConfiguration.parse(Array(text.utf8), path: "agent.conf", overrides: overrides)
    }

    @Test("x509_svid_cache_max_size and jwt_svid_cache_max_size: SPIRE's default 1000, 0 meaning the default, a negative size refused")
    func cacheSizes() throws {
        let base = #"agent { trust_domain = "example.org" insecure_bootstrap = true %@ } plugins { NodeAttestor "join_token" {} }"#
        let defaults = try parse(base.replacingOccurrences(of: "%@", with: ""))
        #expect(defaults.x509SVIDCacheMaxSize == 1000 && defaults.jwtSVIDCacheMaxSize == 1000)
        let set = try parse(base.replacingOccurrences(of: "%@", with: "x509_svid_cache_max_size = 8 jwt_svid_cache_max_size = 0"))
        #expect(set.x509SVIDCacheMaxSize == 8 && set.jwtSVIDCacheMaxSize == 1000)
        #expect(!set.ignoredKeys.contains { $0.contains("cache_max_size") }, "read, not ignored: \(set.ignoredKeys)")
        #expect {
            _ = try parse(base.replacingOccurrences(of: "%@", with: "x509_svid_cache_max_size = -1"))
        } throws: { error in
            "\(error)".contains("x509_svid_cache_max_size") && "\(error)".contains("0 or more")
        }
    }

    @Test("SPIRE's quickstart agent.conf reads, with SPIRE's defaults")
    func quickstart() throws {
        let configuration = try parse("""
            agent {
                data_dir = "./data/agent"
                log_level = "DEBUG"
                trust_domain = "example.org"
                server_address = "localhost"
                server_port = 8081
                insecure_bootstrap = true
            }
            plugins {
               KeyManager "disk" { plugin_data { directory = "./data/agent" } }
               NodeAttestor "join_token" { plugin_data {} }
               WorkloadAttestor "unix" { plugin_data { discover_workload_path = true } }
            }
            """)
        #expect(configuration.trustDomain == (try TrustDomain("example.org")))
        #expect(configuration.serverAddress == "localhost")
        #expect(configuration.serverPort == 8081)
        #expect(configuration.socketPath == "/tmp/spire-agent/public/api.sock")
        #expect(configuration.bootstrap == .insecure)
        #expect(configuration.keyManager == .disk)
        #expect(configuration.nodeAttestor == .joinToken)
        #expect(configuration.discoverWorkloadPath)
        #expect(configuration.logLevel == .debug)
        #expect(configuration.ignoredKeys.contains("KeyManager.disk.directory"))
    }

    @Test("flags override the file")
    func overrides() throws {
        var overrides = AgentConfigurationOverrides()
        overrides.serverPort = 9999
        overrides.joinToken = "abc"
        overrides.trustBundlePath = "/etc/bundle.pem"
        overrides.socketPath = "/run/agent.sock"
        let configuration = try parse(#"agent { trust_domain = "example.org" server_port = "8081" insecure_bootstrap = false }"#, overrides)
        #expect(configuration.serverPort == 9999)
        #expect(configuration.joinToken == "abc")
        #expect(configuration.bootstrap == .bundleFile("/etc/bundle.pem"))
        #expect(configuration.socketPath == "/run/agent.sock")
    }

    @Test("sds { } is read with SPIRE's defaults; disable_sds_api and disable_workload_api switch each API off")
    func sdsSettings() throws {
        let defaults = try parse(#"agent { trust_domain = "example.org" insecure_bootstrap = true }"#)
        #expect(defaults.sds == SDSConfiguration())
        #expect(defaults.sds.defaultSVIDName == "default" && defaults.sds.defaultBundleName == "ROOTCA" && defaults.sds.defaultAllBundlesName == "ALL")
        #expect(!defaults.disableSDSAPI && !defaults.disableWorkloadAPI && !defaults.sds.disableSPIFFECertValidation)
        let set = try parse(#"""
            agent {
                trust_domain = "example.org"
                insecure_bootstrap = true
                disable_workload_api = true
                sds {
                    default_svid_name = "svid"
                    default_bundle_name = "ca"
                    default_all_bundles_name = "cas"
                    disable_spiffe_cert_validation = true
                }
            }
            """#)
        #expect(set.disableWorkloadAPI && !set.disableSDSAPI)
        #expect(set.sds.defaultSVIDName == "svid" && set.sds.defaultBundleName == "ca" && set.sds.defaultAllBundlesName == "cas" && set.sds.disableSPIFFECertValidation)
        #expect(set.ignoredKeys.isEmpty, "sds is read, not ignored: \(set.ignoredKeys)")
        var overrides = AgentConfigurationOverrides()
        overrides.disableSDSAPI = true
        #expect(try parse(#"agent { trust_domain = "example.org" insecure_bootstrap = true }"#, overrides).disableSDSAPI)
    }

    @Test("the bootstrap sources: trust_bundle_url (with or without trust_bundle_unix_socket), trust_bundle_spiffe_workload_api; disable_sds_api = true is accepted")
    func bootstrapSources() throws {
        let https = try parse(#"agent { trust_domain = "example.org" trust_bundle_url = "https://bundles.example/td.pem" }"#)
        #expect(https.bootstrap == .bundleURL(URL(string: "https://bundles.example/td.pem")!, unixSocket: nil))
        let local = try parse(#"agent { trust_domain = "example.org" trust_bundle_url = "http://localhost/b?site=1" trust_bundle_unix_socket = "/run/b.sock" }"#)
        #expect(local.bootstrap == .bundleURL(URL(string: "http://localhost/b?site=1")!, unixSocket: "/run/b.sock"))
        let workload = try parse(#"agent { trust_domain = "example.org" trust_bundle_spiffe_workload_api = "unix:///run/a.sock" disable_sds_api = true }"#)
        #expect(workload.bootstrap == .workloadAPI("unix:///run/a.sock"))
        #expect(!workload.allowUnauthenticatedVerifiers)
        #expect(try parse(#"agent { trust_domain = "example.org" insecure_bootstrap = true allow_unauthenticated_verifiers = true }"#).allowUnauthenticatedVerifiers)
        var overrides = AgentConfigurationOverrides()
        overrides.trustBundleURL = "https://flag.example/b.pem"
        #expect(try parse(#"agent { trust_domain = "example.org" }"#, overrides).bootstrap == .bundleURL(URL(string: "https://flag.example/b.pem")!, unixSocket: nil))
    }

    @Test("log_format: text by default, json in any case, -logFormat over the file, anything else refused")
    func logFormat() throws {
        let base = #"agent { trust_domain = "example.org" insecure_bootstrap = true "#
        #expect(try parse(base + "}").logFormat == "text")
        #expect(try parse(base + #"log_format = "JSON" }"#).logFormat == "json")
        var overrides = AgentConfigurationOverrides()
        overrides.logFormat = "json"
        #expect(try parse(base + #"log_format = "text" }"#, overrides).logFormat == "json")
        #expect {
            _ = try parse(base + #"log_format = "xml" }"#)
        } throws: { error in
            (error as? AgentConfigurationError)?.message.contains("agent.log_format: expected text or json") == true
        }
        overrides.logFormat = "yaml"
        #expect {
            _ = try parse(base + "}", overrides)
        } throws: { error in
            (error as? AgentConfigurationError)?.message.contains(#"found "yaml""#) == true
        }
    }

    @Test("x509pop reads its paths")
    func x509pop() throws {
        let configuration = try parse("""
            agent { trust_domain = "example.org" trust_bundle_path = "/b.pem" }
            plugins { NodeAttestor "x509pop" { plugin_data { certificate_path = "/c.pem" private_key_path = "/k.pem" } } }
            """)
        #expect(configuration.nodeAttestor == .x509pop(certificatePath: "/c.pem", privateKeyPath: "/k.pem", intermediatesPath: nil))
    }

    @Test("bad configurations are refused with a message naming the problem", arguments: [
        ("agent { server_port = 8081 insecure_bootstrap = true }", AgentConfigurationError.Code.missingKey, "trust_domain"),
        (#"agent { trust_domain = "example.org" }"#, .missingKey, "trust_bundle_path"),
        (#"agent { trust_domain = "example.org" trust_bundle_path = "/b" insecure_bootstrap = true }"#, .conflict, "keep one"),
        (#"agent { trust_domain = "Example.org!" insecure_bootstrap = true }"#, .invalidValue, "agent.trust_domain"),
        (#"agent { trust_domain = "example.org" insecure_bootstrap = true server_prot = 1 }"#, .unknownKey, "server_prot"),
        (#"agent { trust_domain = "example.org" trust_bundle_url = "http://b.example/bundle" }"#, .invalidValue, "agent.trust_bundle_url: expected an https:// URL"),
        (#"agent { trust_domain = "example.org" trust_bundle_url = "b.example/bundle" }"#, .invalidValue, "agent.trust_bundle_url: expected an https:// URL"),
        (#"agent { trust_domain = "example.org" trust_bundle_unix_socket = "/run/b.sock" }"#, .conflict, "trust_bundle_unix_socket is set without trust_bundle_url"),
        (#"agent { trust_domain = "example.org" trust_bundle_url = "https://b/x" trust_bundle_unix_socket = "/run/b.sock" }"#, .invalidValue, "expected an http:// URL when trust_bundle_unix_socket is set"),
        (#"agent { trust_domain = "example.org" trust_bundle_url = "http://b/x?spire-mode=1&a=b" trust_bundle_unix_socket = "/run/b.sock" }"#, .invalidValue, "do not start with spiffe- or spire- (the agent adds those itself: spire-mode)"),
        (#"agent { trust_domain = "example.org" trust_bundle_url = "http://b/x" trust_bundle_unix_socket = "run/b.sock" }"#, .invalidValue, "trust_bundle_unix_socket: expected an absolute path"),
        (#"agent { trust_domain = "example.org" trust_bundle_url = "https://b/x" trust_bundle_path = "/b.pem" }"#, .conflict, "trust_bundle_path and trust_bundle_url are both set"),
        (#"agent { trust_domain = "example.org" trust_bundle_url = "https://b/x" insecure_bootstrap = true }"#, .conflict, "trust_bundle_url and insecure_bootstrap"),
        (#"agent { trust_domain = "example.org" trust_bundle_spiffe_workload_api = "unix:///a.sock" trust_bundle_url = "https://b/x" }"#, .conflict, "trust_bundle_url and trust_bundle_spiffe_workload_api"),
        (#"agent { trust_domain = "example.org" trust_bundle_spiffe_workload_api = "/run/a.sock" }"#, .invalidValue, "expected a SPIFFE Workload API address such as unix:///"),
        (#"agent { trust_domain = "example.org" }"#, .missingKey, "trust_bundle_url, trust_bundle_spiffe_workload_api, or insecure_bootstrap = true"),
        (#"agent { trust_domain = "example.org" insecure_bootstrap = true sds { default_svid_name = "" } }"#, .invalidValue, "agent.sds.default_svid_name"),
        (#"agent { trust_domain = "example.org" insecure_bootstrap = true sds { default_bundle_name = "ALL" } }"#, .conflict, "must differ"),
        (#"agent { trust_domain = "example.org" insecure_bootstrap = true sds { default_svid_nam = "x" } }"#, .unknownKey, "default_svid_nam"),
        (#"agent { trust_domain = "example.org" insecure_bootstrap = true socket_path = "api.sock" }"#, .invalidValue, "absolute"),
        (#"agent { trust_domain = "example.org" insecure_bootstrap = true server_port = 70000 }"#, .invalidValue, "65535"),
        (#"agent { trust_domain = "example.org" insecure_bootstrap = true } plugins { NodeAttestor "tpm_devid" {} }"#, .unsupported, "tpm_devid"),
        (#"agent { trust_domain = "example.org" insecure_bootstrap = true } plugins { NodeAttestor "x509pop" {} }"#, .missingKey, "certificate_path"),
        (#"agent { trust_domain = "example.org" insecure_bootstrap = true } plugins { KeyManager "disk" {} KeyManager "memory" {} }"#, .conflict, "second"),
        ("agent { trust_domain = ", .syntax, "agent.conf"),
    ])
    func refused(text: String, code: AgentConfigurationError.Code, mentions: String) {
        #expect {
            _ = try parse(text)
        } throws: { error in
            guard let error = error as? AgentConfigurationError else { return false }
            return error.code == code && error.message.contains(mentions)
        }
    }
}
