import SteepleKubernetes

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Agent {
    /// The API server the `k8s` attestor reads namespace labels from, found as SPIRE's client finds it; a missing
    /// configuration stops the agent at start with the reason rather than failing every attestation.
    static func namespaceLabelsEndpoint() throws -> KubernetesEndpoint {
        do {
            return try KubernetesEndpoint.controllerRuntimeDefault(environment: ProcessInfo.processInfo.environment)
        } catch {
            throw AgentError(.startFailed, "WorkloadAttestor \"k8s\" with enable_namespace_labels: \(error.message)")
        }
    }
}
