import Foundation
import SteepleAgent
import Testing

/// SPIRE's cloud node attestors in agent.conf: their keys and defaults.
@Suite("agent.conf: cloud node attestors")
struct CloudAgentConfigurationTests {
    func parse(_ plugins: String) throws(AgentConfigurationError) -> AgentConfiguration {
        let text = #"agent { trust_domain = "example.org" trust_bundle_path = "/b.pem" }"# + "\nplugins {\n" + plugins + "\n}"
        return try AgentConfiguration.parse(Array(text.utf8), path: "agent.conf", overrides: AgentConfigurationOverrides())
    }

    @Test("SPIRE's defaults: metadata.google.internal and the default service account, IMDS at 169.254.169.254, the ARM resource; none re-attests by itself")
    func defaults() throws {
        let gcp = try parse(#"NodeAttestor "gcp_iit" { plugin_data {} }"#).nodeAttestor
        #expect(gcp == .gcpIIT(host: "metadata.google.internal", serviceAccount: "default"))
        let aws = try parse(#"NodeAttestor "aws_iid" {}"#).nodeAttestor
        #expect(aws == .awsIID(endpoint: "http://169.254.169.254"))
        let azure = try parse(#"NodeAttestor "azure_msi" { plugin_data {} }"#).nodeAttestor
        #expect(azure == .azureMSI(resource: "https://management.azure.com/", endpoint: "http://169.254.169.254"))
        let reattesting = [gcp, aws, azure].filter { $0.canReattest }
        #expect(reattesting.isEmpty, "SPIRE's server marks these agents not re-attestable")
    }

    @Test("every key")
    func everyKey() throws {
        #expect(try parse(#"NodeAttestor "gcp_iit" { plugin_data { identity_token_host = "127.0.0.1:8080" service_account = "agent@p.iam.gserviceaccount.com" } }"#).nodeAttestor
            == .gcpIIT(host: "127.0.0.1:8080", serviceAccount: "agent@p.iam.gserviceaccount.com"))
        #expect(try parse(#"NodeAttestor "aws_iid" { plugin_data { ec2_metadata_endpoint = "http://127.0.0.1:9000" } }"#).nodeAttestor == .awsIID(endpoint: "http://127.0.0.1:9000"))
        #expect(try parse(#"NodeAttestor "azure_msi" { plugin_data { resource_id = "api://steeple" metadata_endpoint = "http://127.0.0.1:9001" } }"#).nodeAttestor
            == .azureMSI(resource: "api://steeple", endpoint: "http://127.0.0.1:9001"))
    }

    @Test("refusals: an unknown key, an endpoint that is not an http URL", arguments: [
        (#"NodeAttestor "gcp_iit" { plugin_data { identity_token_url = "x" } }"#, "identity_token_url"),
        (#"NodeAttestor "aws_iid" { plugin_data { ec2_metadata_endpoint = "169.254.169.254" } }"#, "an http:// URL"),
        (#"NodeAttestor "azure_msi" { plugin_data { tenant = "t" } }"#, "tenant"),
    ])
    func refused(plugins: String, mentions: String) {
        #expect {
            _ = try parse(plugins)
        } throws: { error in
            "\(error)".contains(mentions)
        }
    }
}
