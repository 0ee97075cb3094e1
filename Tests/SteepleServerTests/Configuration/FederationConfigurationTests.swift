import FoundationEssentials
import SPIFFE
import SteepleConfig
import SteepleDatastore
import SteepleServer
import Testing

/// `server { federation { … } }` as SPIRE writes it: the bundle endpoint with both profiles, static relationships,
/// and the mistakes an operator makes, each refused with a message that names the key.
@Suite("Server configuration: federation")
struct FederationConfigurationTests {
    static func parse(_ federation: String) throws -> ServerConfiguration {
        try ServerConfiguration(parsing: "server {\n  trust_domain = \"example.org\"\n  federation {\n\(federation)\n  }\n}\n", path: "server.conf")
    }

    static func failure(_ federation: String) -> String {
        do {
            _ = try parse(federation)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test("SPIRE's example: an https_spiffe endpoint with a refresh hint and two relationships, one per profile")
    func spireExample() throws {
        let configuration = try Self.parse("""
                bundle_endpoint {
                    address = "0.0.0.0"
                    port = 8443
                    refresh_hint = "10m"
                }
                federates_with "domain1.test" {
                    bundle_endpoint_url = "https://1.2.3.4:8443"
                    bundle_endpoint_profile "https_spiffe" {
                        endpoint_spiffe_id = "spiffe://domain1.test/spire/server"
                    }
                }
                federates_with "domain2.test" {
                    bundle_endpoint_url = "https://5.6.7.8:8443"
                    bundle_endpoint_profile "https_web" {}
                }
            """)
        let endpoint = try #require(configuration.federation.bundleEndpoint)
        #expect(endpoint.address == "0.0.0.0" && endpoint.port == 8443 && endpoint.refreshHint == .seconds(600) && endpoint.profile == .httpsSPIFFE)
        #expect(configuration.federation.federatesWith.map(\.trustDomain.name) == ["domain1.test", "domain2.test"])
        #expect(configuration.federation.federatesWith[0].profile == .httpsSPIFFE(endpointSPIFFEID: try SPIFFEID("spiffe://domain1.test/spire/server")))
        #expect(configuration.federation.federatesWith[1].profile == .httpsWeb)
        #expect(configuration.federation.federatesWith[1].bundleEndpointURL == "https://5.6.7.8:8443")
    }

    @Test("defaults: 0.0.0.0:443, a 5 minute hint, https_spiffe; https_web reads its files with a 1 minute sync")
    func defaults() throws {
        let plain = try #require(try Self.parse("bundle_endpoint {}").federation.bundleEndpoint)
        #expect(plain.address == "0.0.0.0" && plain.port == 443 && plain.refreshHint == .seconds(300) && plain.profile == .httpsSPIFFE)
        let web = try #require(try Self.parse("""
                bundle_endpoint {
                    profile "https_web" {
                        serving_cert_file {
                            cert_file_path = "/certs/tls.crt"
                            key_file_path = "/certs/tls.key"
                        }
                    }
                }
            """).federation.bundleEndpoint)
        #expect(web.profile == .httpsWeb(certFilePath: "/certs/tls.crt", keyFilePath: "/certs/tls.key", fileSyncInterval: .seconds(60)))
        #expect(try Self.parse("").federation.bundleEndpoint == nil)
    }

    @Test(
        "mistakes are refused with the key that is wrong",
        arguments: [
            ("federates_with \"d.test\" {\n bundle_endpoint_url = \"http://d.test\"\n bundle_endpoint_profile \"https_web\" {}\n}", "HTTPS"),
            ("federates_with \"d.test\" {\n bundle_endpoint_profile \"https_web\" {}\n}", "bundle_endpoint_url must be configured"),
            ("federates_with \"d.test\" {\n bundle_endpoint_url = \"https://d.test\"\n}", "exactly one bundle endpoint profile is expected"),
            ("federates_with \"d.test\" {\n bundle_endpoint_url = \"https://d.test\"\n bundle_endpoint_profile \"https_spiffe\" {}\n}", "endpoint_spiffe_id"),
            ("federates_with \"d.test\" {\n bundle_endpoint_url = \"https://d.test\"\n bundle_endpoint_profile \"mtls\" {}\n}", "\"https_spiffe\" or \"https_web\""),
            ("federates_with \"example.org\" {\n bundle_endpoint_url = \"https://d.test\"\n bundle_endpoint_profile \"https_web\" {}\n}", "own trust domain"),
            ("federates_with \"D.test\" {\n bundle_endpoint_url = \"https://d.test\"\n bundle_endpoint_profile \"https_web\" {}\n}", "trust domain name"),
            ("bundle_endpoint {\n port = 70000\n}", "port"),
            ("bundle_endpoint {\n acme {\n domain_name = \"x\"\n }\n}", "ACME is not supported yet"),
            ("bundle_endpoint {\n profile \"https_web\" {}\n}", "serving_cert_file"),
            ("bundle_endpoint {\n refresh_hnt = \"1m\"\n}", "refresh_hnt"),
        ])
    func mistakes(_ federation: String, _ expected: String) {
        let message = Self.failure(federation)
        #expect(message.contains(expected), "\(message)")
    }
}
