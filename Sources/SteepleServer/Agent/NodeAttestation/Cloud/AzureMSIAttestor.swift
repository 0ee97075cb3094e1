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
/// `spiffe://<td>/spire/agent/azure_msi/<tenant>/<principal id>`), trust on first use. SPIRE's selectors
/// (`subscription-id`, `vm-name`, network ones) all come from the Azure Resource Manager API, which Steeple does not
/// call: the agent gets no selectors.
struct AzureMSIAttestor: NodeAttestor {
    static let templateFields: Set<String> = ["PluginName", "TenantID", "PrincipalID", "Issuer", "Subject", "ID"]

    let trustDomain: TrustDomain
    /// Tenant ID → the resource (audience) its tokens must be for.
    let tenants: [String: String]
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
        let path = pathTemplate.execute([
            "PluginName": name, "TenantID": tenantID, "PrincipalID": principalID, "Subject": principalID,
            "Issuer": claims.iss ?? "", "ID": claims.jti ?? "",
        ])
        let agentID = try CloudAttestation.agentID(trustDomain: trustDomain, path: path)
        try await CloudAttestation.assessTOFU(agentID, nodes: nodes)
        guard let resource = tenants[tenantID] else {
            throw APIRefusal(.attestationFailed, "tenant \"\(tenantID)\" is not authorized")
        }
        if let failure = registered.failure(audience: [resource], now: now(), leeway: 300) {
            throw APIRefusal(.attestationFailed, "unable to validate token claims: \(failure)")
        }
        return NodeAttestationResult(agentID: agentID, selectors: [], canReattest: false)
    }
}
