import SPIFFE
import SteepleDatastore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `NodeAttestor "gcp_iit"`, as SPIRE's: the payload is a GCE instance identity token (`format=full`), an RS256 JWT
/// signed by Google. It must verify with Google's keys (``CloudKeySetSource``), be for audience
/// `spire-gcp-node-attestor` and unexpired (go-jose's one-minute leeway), and name a project of
/// `projectid_allow_list`. Agent ID from `agent_path_template` (SPIRE's default
/// `spiffe://<td>/spire/agent/gcp_iit/<project>/<instance id>`), trust on first use (not re-attestable), selectors
/// `gcp_iit:project-id:`, `zone:`, `instance-name:` and `sa:`; with `use_instance_metadata` (``instanceMetadata``),
/// the instance is read from the Compute Engine API for `tag:`, `label:<key>:<value>` and `metadata:<key>:<value>`
/// selectors (allowed keys only; an allowed metadata value over `max_metadata_value_size` fails attestation).
struct GCPIITAttestor: NodeAttestor {
    static let audience = "spire-gcp-node-attestor"
    static let templateFields: Set<String> = [
        "PluginName", "ServiceAccount", "ProjectID", "ProjectNumber", "Zone", "InstanceID", "InstanceName", "InstanceCreationTimestamp",
    ]

    let trustDomain: TrustDomain
    let projectIDAllowList: [String]
    let pathTemplate: AgentPathTemplate
    let keys: CloudKeySetSource
    let nodes: any AttestedNodeStore
    let now: @Sendable () -> Date
    /// `use_instance_metadata`: the Compute API client and which labels and metadata become selectors.
    var instanceMetadata: InstanceMetadata?

    struct InstanceMetadata: Sendable {
        var client: GCPComputeClient
        var allowedLabelKeys: Set<String>
        var allowedMetadataKeys: Set<String>
        var maxMetadataValueSize: Int
    }

    var name: String { "gcp_iit" }

    /// The claims SPIRE reads (`gcp.IdentityToken`).
    struct IdentityToken: Decodable {
        var email: String?
        var google: Google?

        struct Google: Decodable {
            var computeEngine: ComputeEngine?
            enum CodingKeys: String, CodingKey { case computeEngine = "compute_engine" }
        }

        struct ComputeEngine: Decodable {
            var projectID: String?
            var projectNumber: Int64?
            var zone: String?
            var instanceID: String?
            var instanceName: String?
            var instanceCreationTimestamp: Int64?
            enum CodingKeys: String, CodingKey {
                case projectID = "project_id", projectNumber = "project_number", zone, instanceID = "instance_id"
                case instanceName = "instance_name", instanceCreationTimestamp = "instance_creation_timestamp"
            }
        }
    }

    func attest(payload: [UInt8], challenge _: ([UInt8]) async throws -> [UInt8]) async throws -> NodeAttestationResult {
        guard !payload.isEmpty else { throw APIRefusal(.invalidRequest, "missing attestation payload") }
        let keySet = try await keys.load(keyID: CloudAttestation.keyID(of: String(decoding: payload, as: UTF8.self)))
        let verified: VerifiedJWS
        do {
            verified = try VerifiedJWS(token: String(decoding: payload, as: UTF8.self), keySet: keySet, algorithms: [.rs256])
        } catch {
            switch error.code {
            case .malformedJWT, .unsupportedAlgorithm, .missingKeyID:
                throw APIRefusal(.invalidRequest, "unable to parse the identity token: \(error.message)")
            default:
                throw APIRefusal(.invalidRequest, "failed to validate the identity token signature: \(error.message)")
            }
        }
        let token: IdentityToken
        let registered: CloudAttestation.RegisteredClaims
        do {
            token = try JSONDecoder().decode(IdentityToken.self, from: Data(verified.payload))
            registered = try JSONDecoder().decode(CloudAttestation.RegisteredClaims.self, from: Data(verified.payload))
        } catch {
            throw APIRefusal(.invalidRequest, "failed to validate the identity token signature: unable to decode the claims: \(error)")
        }
        if let failure = registered.failure(audience: [Self.audience], now: now(), leeway: 60) {
            throw APIRefusal(.attestationFailed, "failed to validate the identity token claims: \(failure)")
        }
        let engine = token.google?.computeEngine
        let projectID = engine?.projectID ?? ""
        guard projectIDAllowList.contains(projectID) else {
            throw APIRefusal(.attestationFailed, "identity token project ID \"\(projectID)\" is not in the allow list")
        }
        let path = try pathTemplate.execute([
            "PluginName": name,
            "ServiceAccount": (token.email ?? "").replacing("@", with: "_"),
            "ProjectID": projectID,
            "ProjectNumber": String(engine?.projectNumber ?? 0),
            "Zone": engine?.zone ?? "",
            "InstanceID": engine?.instanceID ?? "",
            "InstanceName": engine?.instanceName ?? "",
            "InstanceCreationTimestamp": String(engine?.instanceCreationTimestamp ?? 0),
        ])
        let agentID = try CloudAttestation.agentID(trustDomain: trustDomain, path: path)
        try await CloudAttestation.assessTOFU(agentID, nodes: nodes)
        var values = [
            "project-id:\(projectID)",
            "zone:\(engine?.zone ?? "")",
            "instance-name:\(engine?.instanceName ?? "")",
            "sa:\(token.email ?? "")",
        ]
        if let instanceMetadata {
            values += try await instanceSelectors(instanceMetadata, project: projectID, zone: engine?.zone ?? "", name: engine?.instanceName ?? "")
        }
        return NodeAttestationResult(
            agentID: agentID,
            selectors: try values.map { value throws(DatastoreError) in try Selector(type: name, value: value) },
            canReattest: false)
    }

    /// SPIRE's `tag:`, `label:` and `metadata:` values, from the Compute API's instance.
    private func instanceSelectors(_ settings: InstanceMetadata, project: String, zone: String, name: String) async throws -> [String] {
        let instance: GCPComputeClient.Instance
        do {
            instance = try await settings.client.instance(project: project, zone: zone, name: name)
        } catch {
            throw APIRefusal(.internal, "failed to fetch instance metadata: \(error.message)")
        }
        var values = (instance.tags?.items ?? []).map { "tag:\($0)" }
        for (key, value) in (instance.labels ?? [:]).sorted(by: { $0.key < $1.key }) where settings.allowedLabelKeys.contains(key) {
            values.append("label:\(key):\(value)")
        }
        for item in instance.metadata?.items ?? [] where settings.allowedMetadataKeys.contains(item.key) {
            let value = item.value ?? ""
            guard value.utf8.count <= settings.maxMetadataValueSize else {
                throw APIRefusal(.internal, "metadata \"\(item.key)\" exceeded value limit (\(value.utf8.count) > \(settings.maxMetadataValueSize))")
            }
            values.append("metadata:\(item.key):\(value)")
        }
        return values
    }
}
