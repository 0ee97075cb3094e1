import Foundation
import SPIFFETestSupport
import SteepleTestSupport
import Testing

/// `azure_msi` for a tenant without an app registration, as SPIRE runs it on an Azure VM: the server's subscription
/// from its instance metadata and a token of its managed identity. The metadata service and the Resource Manager are
/// ``FakeCloudMetadata``, reached through `AZURE_POD_IDENTITY_AUTHORITY_HOST` as Azure's SDK reads it.
extension CloudNodeAttestationEndToEndTests {
    @Test("azure_msi with the server's default Azure credential: the subscription from the server's instance metadata, a token of its (user-assigned) managed identity, and SPIRE's Resource Manager selectors; a metadata service that answers with an error refuses the attestation")
    func azureDefaultCredential() async throws {
        let fake = try FakeCloudMetadata()
        defer { fake.stop() }
        let microsoft = try TestCloudIssuer(keyID: "ms-1")
        let keys = fake.directory + "/microsoft-keys.json"
        try microsoft.jwksJSON.write(toFile: keys, atomically: true, encoding: .utf8)
        // One metadata service for the agent's VM and the server's: the same token route answers both.
        let response = try Self.azureResponse(microsoft, principal: "aaaaaaaa-0000-4000-8000-0000000000d1")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(response.utf8)) as? [String: Any])
        let bearer = ["Authorization": "Bearer " + (try #require(object["access_token"] as? String))]
        let arm = "/arm/subscriptions/sub-from-imds"
        func serve(instanceStatus: Int) throws {
            try fake.write([
                "GET /metadata/identity/oauth2/token?*": .init(body: response, requiredHeaders: ["Metadata": "true"]),
                "GET /metadata/instance?api-version=2017-08-01&format=json": .init(
                    status: instanceStatus,
                    body: instanceStatus == 200 ? #"{"compute":{"name":"spire-server","subscriptionId":"sub-from-imds","resourceGroupName":"rg-spire"}}"# : #"{"error":"invalid_request","error_description":"Required metadata header not specified"}"#,
                    requiredHeaders: ["Metadata": "true"]),
                "GET \(arm)/resources?*": .init(
                    body: #"{"value":[{"id":"/subscriptions/sub-from-imds/resourceGroups/rg-1/providers/Microsoft.Compute/virtualMachines/vm-1"}]}"#, requiredHeaders: bearer),
                "GET \(arm)/resourceGroups/rg-1/providers/Microsoft.Compute/virtualMachines/vm-1?*": .init(
                    body: #"{"properties":{"networkProfile":{"networkInterfaces":[{"id":"/subscriptions/sub-from-imds/resourceGroups/rg-1/providers/Microsoft.Network/networkInterfaces/nic-1"}]}}}"#,
                    requiredHeaders: bearer),
                "GET \(arm)/resourceGroups/rg-1/providers/Microsoft.Network/networkInterfaces/nic-1?*": .init(
                    body: #"{"properties":{"ipConfigurations":[{"properties":{"subnet":{"id":"/subscriptions/sub-from-imds/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-1/subnets/nodes"}}}]}}"#,
                    requiredHeaders: bearer),
            ])
        }
        try serve(instanceStatus: 400)
        try await fake.start()

        let serverPort = try freeTCPPort()
        let server = try ServerProcess(bindPort: serverPort, plugins: #"""
            NodeAttestor "azure_msi" {
                plugin_data {
                    tenants = { "\#(Self.tenant)" = {} }
                    key_set_url = "\#(keys)"
                    resource_manager_endpoint = "\#(fake.endpoint)/arm/"
                }
            }
            """#)
        server.environment = [
            "AZURE_POD_IDENTITY_AUTHORITY_HOST": fake.endpoint, "AZURE_CLIENT_ID": "user-assigned-1", "AZURE_CLIENT_SECRET": "", "AZURE_FEDERATED_TOKEN_FILE": "",
        ]
        try await server.start()
        let nodeAttestor = #"NodeAttestor "azure_msi" { plugin_data { metadata_endpoint = "\#(fake.endpoint)" } }"#
        try await refused(
            serverPort: serverPort, nodeAttestor: nodeAttestor,
            message: "unable to create client with default credential: the instance metadata service: GET /metadata/instance: RESPONSE 400: Required metadata header not specified",
            "the server's metadata service answers with an error")

        try serve(instanceStatus: 200)
        try await attestOnce(
            server: server, serverPort: serverPort, nodeAttestor: nodeAttestor,
            agentID: "spiffe://example.org/spire/agent/azure_msi/\(Self.tenant)/aaaaaaaa-0000-4000-8000-0000000000d1",
            selectors: [
                "azure_msi:subscription-id:sub-from-imds", "azure_msi:virtual-network-subnet:rg-net:vnet-1:nodes", "azure_msi:virtual-network:rg-net:vnet-1",
                "azure_msi:vm-name:rg-1:vm-1",
            ],
            type: "azure_msi")
        #expect(fake.requests.contains("GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fmanagement.azure.com%2F&client_id=user-assigned-1 Metadata=true"), "the server's user-assigned identity: \(fake.requests)")
        _ = try await server.stop()
    }
}
