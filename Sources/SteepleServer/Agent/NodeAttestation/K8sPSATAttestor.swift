import SPIFFE
import SteepleDatastore
import SteepleKubernetes

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `NodeAttestor "k8s_psat"`, as SPIRE's: the agent sends `{"cluster":…,"token":…}` with its pod's projected service
/// account token. The cluster's API server reviews the token (TokenReview, for the cluster's audiences); its service
/// account must be in the allow list; the pod it is bound to is read and its UID must be the token's; then the pod's
/// node. Agent ID `spiffe://<td>/spire/agent/k8s_psat/<cluster>/<node UID>` (or `…/pod/<pod UID>` with
/// `use_pod_uid_for_agent_id`), SPIRE's `k8s_psat:` selectors, re-attestable.
struct K8sPSATAttestor: NodeAttestor {
    /// One configured cluster, with its API server.
    struct Cluster: Sendable {
        var settings: K8sPSATClusterConfiguration
        var apiServer: KubernetesAPIServer
    }

    let trustDomain: TrustDomain
    let clusters: [String: Cluster]

    var name: String { "k8s_psat" }

    func attest(payload: [UInt8], challenge _: ([UInt8]) async throws -> [UInt8]) async throws -> NodeAttestationResult {
        struct AttestationData: Decodable {
            var cluster: String?
            var token: String?
        }
        guard !payload.isEmpty else { throw APIRefusal(.invalidRequest, "missing attestation payload") }
        let data: AttestationData
        do {
            data = try JSONDecoder().decode(AttestationData.self, from: Data(payload))
        } catch {
            throw APIRefusal(.invalidRequest, "failed to unmarshal data payload: \(error)")
        }
        guard let clusterName = data.cluster, !clusterName.isEmpty else { throw APIRefusal(.invalidRequest, "missing cluster in attestation data") }
        guard let token = data.token, !token.isEmpty else { throw APIRefusal(.invalidRequest, "missing token in attestation data") }
        guard let cluster = clusters[clusterName] else { throw APIRefusal(.invalidRequest, "not configured for cluster \"\(clusterName)\"") }
        let quoted = "\"\(clusterName)\""

        let review: TokenReview.Status
        do {
            review = try await cluster.apiServer.validateToken(token, audiences: cluster.settings.audience)
        } catch {
            throw APIRefusal(.internal, "unable to validate token with TokenReview API for cluster \(quoted): \(error.message)")
        }
        guard review.authenticated else {
            throw APIRefusal(.attestationFailed, "token not authenticated according to TokenReview API for cluster \(quoted)")
        }
        let namespace: String, serviceAccount: String, podName: String, podUID: String
        do {
            (namespace, serviceAccount) = try review.user.serviceAccount()
        } catch {
            throw APIRefusal(.internal, "failed to parse username from token review status for cluster \(quoted): \(error.message)")
        }
        guard cluster.settings.serviceAccountAllowList.contains("\(namespace):\(serviceAccount)") else {
            throw APIRefusal(.attestationFailed, "\"\(namespace):\(serviceAccount)\" is not an allowed service account for cluster \(quoted)")
        }
        do {
            podName = try review.user.single(TokenReview.UserInfo.podNameKey, "pod name", noun: "name")
        } catch {
            throw APIRefusal(.internal, "failed to get pod name from token review status for cluster \(quoted): \(error.message)")
        }
        do {
            podUID = try review.user.single(TokenReview.UserInfo.podUIDKey, "pod UID", noun: "UID")
        } catch {
            throw APIRefusal(.internal, "failed to get pod UID from token review status for cluster \(quoted): \(error.message)")
        }
        let pod: Pod
        do {
            pod = try await cluster.apiServer.pod(namespace: namespace, name: podName)
        } catch {
            throw APIRefusal(.internal, "failed to get pod from k8s API server for cluster \(quoted): \(error.message)")
        }
        guard pod.metadata.uid == podUID else {
            throw APIRefusal(.attestationFailed, "pod UID mismatch for pod \"\(podName)\" in cluster \(quoted): token bound to pod UID \"\(podUID)\"")
        }
        let node: Node
        do {
            node = try await cluster.apiServer.node(name: pod.spec.nodeName)
        } catch {
            throw APIRefusal(.internal, "failed to get node from k8s API server for cluster \(quoted): \(error.message)")
        }
        let nodeUID = node.metadata.uid
        guard !nodeUID.isEmpty else { throw APIRefusal(.internal, "node UID is empty for cluster \(quoted)") }

        var values = [
            "cluster:\(clusterName)",
            "agent_ns:\(namespace)",
            "agent_sa:\(serviceAccount)",
            "agent_pod_name:\(podName)",
            "agent_pod_uid:\(podUID)",
            "agent_node_ip:\(pod.status.hostIP)",
            "agent_node_name:\(pod.spec.nodeName)",
            "agent_node_uid:\(nodeUID)",
        ]
        for (key, value) in node.metadata.labels.sorted(by: { $0.key < $1.key }) where cluster.settings.allowedNodeLabelKeys.contains(key) {
            values.append("agent_node_label:\(key):\(value)")
        }
        for (key, value) in pod.metadata.labels.sorted(by: { $0.key < $1.key }) where cluster.settings.allowedPodLabelKeys.contains(key) {
            values.append("agent_pod_label:\(key):\(value)")
        }
        let suffix = cluster.settings.usePodUIDForAgentID ? ["pod", podUID] : [nodeUID]
        let agentID: SPIFFEID
        do {
            agentID = try SPIFFEID(trustDomain: trustDomain, segments: ["spire", "agent", "k8s_psat", clusterName] + suffix)
        } catch {
            throw APIRefusal(.invalidRequest, "cluster \(quoted) and UID \(suffix.joined(separator: "/")) cannot form an agent ID: \(error.message)")
        }
        return NodeAttestationResult(agentID: agentID, selectors: try values.map { value throws(DatastoreError) in try Selector(type: "k8s_psat", value: value) }, canReattest: true)
    }
}
