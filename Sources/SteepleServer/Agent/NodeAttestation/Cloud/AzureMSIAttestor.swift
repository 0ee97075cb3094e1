import SPIFFE
import SteepleDatastore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `NodeAttestor "azure_msi"`, as SPIRE's where no Azure API is needed: the payload is `{"token":…}`, a managed
/// identity access token from the VM's instance metadata service. It must verify with Microsoft's keys
/// (``CloudKeySetSource``), carry `tid` and `sub`, come from a tenant of `tenants`, be for that tenant's
/// `resource_id` and be unexpired (SPIRE's five-minute leeway). Agent ID from `agent_path_template` (SPIRE's default
/// `spiffe://<td>/spire/agent/azure_msi/<tenant>/<principal id>`), trust on first use. SPIRE's selectors all come
/// from the Azure Resource Manager API (``AzureResourceManagerClient``, with the tenant's app registration or else
/// the server's default Azure credential, ``AzureDefaultCredential``): the principal's virtual machine gives
/// `subscription-id:`, `vm-name:<group>:<name>`, and per network interface `network-security-group:<group>:<name>`,
/// `virtual-network:<group>:<name>` and `virtual-network-subnet:<group>:<network>:<subnet>`. Off Azure, without an
/// app registration, agents get none.
struct AzureMSIAttestor: NodeAttestor {
    static let templateFields: Set<String> = ["PluginName", "TenantID", "PrincipalID", "Issuer", "Subject", "ID"]

    let trustDomain: TrustDomain
    /// A configured tenant: the resource (audience) its tokens must be for, and its Resource Manager client if any.
    struct Tenant: Sendable {
        var resourceID: String
        /// The app registration's client.
        var client: AzureResourceManagerClient?
        /// Without an app registration: the server's default Azure credential.
        var defaultCredential: AzureDefaultCredential?
    }

    let tenants: [String: Tenant]
    let pathTemplate: AgentPathTemplate
    let keys: CloudKeySetSource
    let nodes: any AttestedNodeStore
    let now: @Sendable () -> Date

    var name: String { "azure_msi" }

    struct Claims: Decodable {
        var tid: String?
        var sub: String?
        var iss: String?
        var jti: String?
    }

    func attest(payload: [UInt8], challenge _: ([UInt8]) async throws -> [UInt8]) async throws -> NodeAttestationResult {
        guard !payload.isEmpty else { throw APIRefusal(.invalidRequest, "missing attestation payload") }
        struct AttestationData: Decodable { var token: String? }
        let data: AttestationData
        do {
            data = try JSONDecoder().decode(AttestationData.self, from: Data(payload))
        } catch {
            throw APIRefusal(.invalidRequest, "failed to unmarshal data payload: \(error)")
        }
        guard let token = data.token, !token.isEmpty else { throw APIRefusal(.invalidRequest, "missing token from attestation data") }
        let keySet = try await keys.load(keyID: CloudAttestation.keyID(of: token))
        let verified: VerifiedJWS
        do {
            verified = try VerifiedJWS(token: token, keySet: keySet, algorithms: JWTAlgorithm.allowed)
        } catch {
            switch error.code {
            case .missingKeyID: throw APIRefusal(.invalidRequest, "token missing key id")
            case .malformedJWT, .unsupportedAlgorithm: throw APIRefusal(.invalidRequest, "unable to parse token: \(error.message)")
            case .unknownKeyID: throw APIRefusal(.invalidRequest, "key id \"\(CloudAttestation.keyID(of: token) ?? "")\" not found")
            default: throw APIRefusal(.invalidRequest, "unable to verify token: \(error.message)")
            }
        }
        let claims: Claims
        let registered: CloudAttestation.RegisteredClaims
        do {
            claims = try JSONDecoder().decode(Claims.self, from: Data(verified.payload))
            registered = try JSONDecoder().decode(CloudAttestation.RegisteredClaims.self, from: Data(verified.payload))
        } catch {
            throw APIRefusal(.invalidRequest, "unable to verify token: unable to decode the claims: \(error)")
        }
        guard let tenantID = claims.tid, !tenantID.isEmpty else { throw APIRefusal(.internal, "token missing tenant ID claim") }
        guard let principalID = claims.sub, !principalID.isEmpty else { throw APIRefusal(.internal, "token missing subject claim") }
        let path = try pathTemplate.execute([
            "PluginName": name, "TenantID": tenantID, "PrincipalID": principalID, "Subject": principalID,
            "Issuer": claims.iss ?? "", "ID": claims.jti ?? "",
        ])
        let agentID = try CloudAttestation.agentID(trustDomain: trustDomain, path: path)
        try await CloudAttestation.assessTOFU(agentID, nodes: nodes)
        guard let tenant = tenants[tenantID] else {
            throw APIRefusal(.attestationFailed, "tenant \"\(tenantID)\" is not authorized")
        }
        if let failure = registered.failure(audience: [tenant.resourceID], now: now(), leeway: 300) {
            throw APIRefusal(.attestationFailed, "unable to validate token claims: \(failure)")
        }
        var client = tenant.client
        if client == nil, let defaultCredential = tenant.defaultCredential {
            do {
                client = try await defaultCredential.client()
            } catch {
                throw APIRefusal(.internal, "unable to get resource for principal \"\(principalID)\": unable to create client with default credential: \(error.message)")
            }
        }
        var values: [String] = []
        if let client {
            values = try await Self.resolve(client: client, principalID: principalID)
        }
        return NodeAttestationResult(
            agentID: agentID,
            selectors: try values.map { value throws(DatastoreError) in try Selector(type: name, value: value) },
            canReattest: false)
    }

    /// SPIRE's `resolve`: the virtual machine of the principal, then its network interfaces; sorted, without repeats.
    static func resolve(client: AzureResourceManagerClient, principalID: String) async throws -> [String] {
        let token: String
        let ids: [String]
        do {
            token = try await client.accessToken()
            ids = try await client.virtualMachineIDs(principalID: principalID, token: token)
        } catch {
            throw APIRefusal(.internal, "unable to get resource for principal \"\(principalID)\": unable to list virtual machine by principal: \(error.message)")
        }
        guard !ids.isEmpty else { throw APIRefusal(.internal, "unable to get resource for principal \"\(principalID)\": principal \"\(principalID)\" not found") }
        guard ids.count == 1 else {
            throw APIRefusal(.internal, "unable to get resource for principal \"\(principalID)\": expected one result for principal \"\(principalID)\" at most")
        }
        let (vmGroup, vmName) = try parse(ids[0], kind: "virtual machine", provider: "Microsoft.Compute/virtualMachines")
        var values: Set<String> = ["subscription-id:\(client.subscriptionID)", "vm-name:\(vmGroup):\(vmName)"]
        let machine: AzureResourceManagerClient.Resource
        do {
            machine = try await client.resource(group: vmGroup, type: "Microsoft.Compute/virtualMachines", name: vmName, apiVersion: "2024-07-01", token: token)
        } catch {
            throw APIRefusal(.internal, "unable to get virtual machine \"\(vmGroup):\(vmName)\": \(error.message)")
        }
        for reference in machine.properties?.networkProfile?.networkInterfaces ?? [] {
            guard let id = reference.id else { continue }
            let (group, name) = try parse(id, kind: "network interface", provider: "Microsoft.Network/networkInterfaces")
            let interface: AzureResourceManagerClient.Resource
            do {
                interface = try await client.resource(group: group, type: "Microsoft.Network/networkInterfaces", name: name, apiVersion: "2024-05-01", token: token)
            } catch {
                throw APIRefusal(.internal, "unable to get network interface \"\(group):\(name)\": \(error.message)")
            }
            if let nsg = interface.properties?.networkSecurityGroup?.id {
                let (nsgGroup, nsgName) = try parse(nsg, kind: "network security group", provider: "Microsoft.Network/networkSecurityGroups")
                values.insert("network-security-group:\(nsgGroup):\(nsgName)")
            }
            for configuration in interface.properties?.ipConfigurations ?? [] {
                guard let subnet = configuration.properties?.subnet?.id else { continue }
                let parts = subnet.split(separator: "/", omittingEmptySubsequences: false)
                // /subscriptions/<s>/resourceGroups/<g>/providers/Microsoft.Network/virtualNetworks/<n>/subnets/<subnet>
                guard parts.count == 11, parts[0].isEmpty, parts[1] == "subscriptions", parts[3] == "resourceGroups", parts[5] == "providers",
                      parts[6] == "Microsoft.Network", parts[7] == "virtualNetworks", parts[9] == "subnets",
                      ![parts[2], parts[4], parts[8], parts[10]].contains(where: \.isEmpty) else {
                    throw APIRefusal(.internal, "malformed virtual network subnet ID \"\(subnet)\"")
                }
                values.insert("virtual-network:\(parts[4]):\(parts[8])")
                values.insert("virtual-network-subnet:\(parts[4]):\(parts[8]):\(parts[10])")
            }
        }
        return values.sorted()
    }

    /// The resource group and name of `/subscriptions/<s>/resourceGroups/<group>/providers/<provider>/<name>`.
    static func parse(_ id: String, kind: String, provider: String) throws -> (String, String) {
        let parts = id.split(separator: "/", omittingEmptySubsequences: false)
        let providerParts = provider.split(separator: "/")
        guard parts.count == 9, parts[0].isEmpty, parts[1] == "subscriptions", !parts[2].isEmpty, parts[3] == "resourceGroups", !parts[4].isEmpty,
              parts[5] == "providers", parts[6] == providerParts[0], parts[7] == providerParts[1], !parts[8].isEmpty else {
            throw APIRefusal(.internal, "malformed \(kind) ID \"\(id)\"")
        }
        return (String(parts[4]), String(parts[8]))
    }
}
