package import Logging
package import SteepleKubernetes
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// SPIRE's `k8s` workload attestor: the caller's pod and container from its cgroups (``PodContainerLocator``), then
/// the pod from the kubelet's `/pods`, and SPIRE's selectors (`k8s:ns:`, `k8s:sa:`, `k8s:pod-label:k:v`,
/// `k8s:container-image:` …). A process outside any pod gets no `k8s` selectors. A pod the kubelet does not list
/// yet (a container that just started) is looked for again every `pollRetryInterval`, up to `maxPollAttempts`
/// times. As SPIRE, the pod list is reused for `pollRetryInterval` at most (so a changed label is seen within that
/// time) and fetched again at once when it lacks the caller's container.
/// A kubelet that cannot be reached fails attestation (closed): the caller gets no identity rather than a partial one.
package final class K8sWorkloadAttestor: Sendable {
    let kubelet: KubernetesClient
    let settings: AgentConfiguration.K8sWorkloadAttestorSettings
    /// Where `/proc` is (tests point it elsewhere).
    let procRoot: String
    let logger: Logger
    /// The API server, for namespace labels (`enable_namespace_labels`).
    let apiServer: KubernetesAPIServer?
    /// The last pod list and when it was fetched.
    private let cached = Mutex<(pods: [Pod], at: ContinuousClock.Instant)?>(nil)

    package init(settings: AgentConfiguration.K8sWorkloadAttestorSettings, kubelet: KubernetesEndpoint, apiServer: KubernetesEndpoint? = nil, procRoot: String = "/proc", logger: Logger) {
        self.settings = settings
        self.apiServer = apiServer.map(KubernetesAPIServer.init(endpoint:))
        var client = KubernetesClient(endpoint: kubelet)
        client.timeout = .seconds(5)
        self.kubelet = client
        self.procRoot = procRoot
        self.logger = logger
    }

    package func selectors(for caller: WorkloadCaller) async throws -> Set<String> {
        guard let location = try CallerCgroups.locate(caller, procRoot: procRoot, attestor: "k8s", PodContainerLocator.locate(cgroupFile:)) else {
            return []
        }
        var lastError: KubernetesError?
        let attempts = max(settings.maxPollAttempts, 1)
        var attempt = 0
        let now = ContinuousClock.now
        var pods = cached.withLock { cache in cache.flatMap { now - $0.at < settings.pollRetryInterval ? $0.pods : nil } }
        while attempt < attempts {
            // A cached list is tried first and costs no attempt; a list that lacks the container is fetched again.
            let fresh = pods == nil
            if fresh {
                attempt += 1
                do {
                    let list = try await kubelet.get("/pods", as: PodList.self).items
                    cached.withLock { $0 = (list, ContinuousClock.now) }
                    pods = list
                    lastError = nil
                } catch {
                    lastError = error
                    logger.warning("Unable to get pod list from the kubelet; will retry", metadata: ["attempt": "\(attempt)", "error": "\(error.message)"])
                    if attempt < attempts { try await Task.sleep(for: settings.pollRetryInterval) }
                    continue
                }
            }
            if let (pod, selectors) = try Self.pod(for: location, in: pods ?? [], containerSelectors: !settings.disableContainerSelectors) {
                var values = selectors
                if let apiServer {
                    do {
                        values += try await apiServer.namespace(name: pod.metadata.namespace).metadata.labels.map { "ns-label:\($0.key):\($0.value)" }
                    } catch {
                        throw WorkloadAttestationError(message: "k8s: unable to get namespace labels for \"\(pod.metadata.namespace)\": \(error.message)")
                    }
                }
                return Set(values.map { "k8s:" + $0 })
            }
            pods = nil
            if fresh, attempt < attempts {
                logger.debug("Container id not found; will retry", metadata: ["container_id": "\(location.containerID)", "attempt": "\(attempt)"])
                try await Task.sleep(for: settings.pollRetryInterval)
            }
        }
        if let lastError {
            throw WorkloadAttestationError(message: "k8s: unable to get the pod list from the kubelet: \(lastError.message)")
        }
        throw WorkloadAttestationError(message: "k8s: no selectors found after max poll attempts: container \(location.containerID)\(location.podUID.map { " of pod \($0)" } ?? "") is not in the kubelet's pod list")
    }

    /// SPIRE's selector values (without the `k8s:` prefix) for the pod holding `location`'s container; nil when no
    /// pod lists it. Two pods listing the container is an error. Without container selectors, a pod known by its UID
    /// is enough: its selectors do not depend on the container, which may not be listed yet (SPIRE's rule).
    package static func selectors(for location: PodContainerLocator.Location, in pods: [Pod], containerSelectors: Bool) throws -> [String]? {
        try pod(for: location, in: pods, containerSelectors: containerSelectors)?.1
    }

    /// The pod ``selectors(for:in:containerSelectors:)`` found, with its selector values.
    static func pod(for location: PodContainerLocator.Location, in pods: [Pod], containerSelectors: Bool) throws -> (Pod, [String])? {
        var result: (Pod, [String])?
        for pod in pods {
            if let uid = location.podUID, pod.metadata.uid != uid { continue }
            let statuses = pod.status.containerStatuses + pod.status.initContainerStatuses
            guard let container = statuses.first(where: { $0.runtimeContainerID == location.containerID }) else {
                if !containerSelectors, location.podUID != nil {
                    guard result == nil else { throw WorkloadAttestationError(message: "k8s: two pods found with same UID") }
                    result = (pod, podSelectors(pod))
                }
                continue
            }
            guard result == nil else {
                throw WorkloadAttestationError(message: "k8s: two pods found with same container Id \(location.containerID)")
            }
            var values = podSelectors(pod)
            if containerSelectors {
                values.append("container-name:\(container.name)")
                values += imageIdentifiers([container]).map { "container-image:\($0)" }
            }
            result = (pod, values)
        }
        return result
    }

    /// The pod's own selectors, as SPIRE's `getSelectorValuesFromPodInfo`.
    static func podSelectors(_ pod: Pod) -> [String] {
        var values = [
            "sa:\(pod.spec.serviceAccountName)",
            "ns:\(pod.metadata.namespace)",
            "node-name:\(pod.spec.nodeName)",
            "pod-uid:\(pod.metadata.uid)",
            "pod-name:\(pod.metadata.name)",
            "pod-image-count:\(pod.status.containerStatuses.count)",
            "pod-init-image-count:\(pod.status.initContainerStatuses.count)",
        ]
        values += imageIdentifiers(pod.status.containerStatuses).map { "pod-image:\($0)" }
        values += imageIdentifiers(pod.status.initContainerStatuses).map { "pod-init-image:\($0)" }
        values += pod.metadata.labels.map { "pod-label:\($0.key):\($0.value)" }
        for owner in pod.metadata.ownerReferences {
            values.append("pod-owner:\(owner.kind):\(owner.name)")
            values.append("pod-owner-uid:\(owner.kind):\(owner.uid)")
        }
        return values
    }

    /// Every image and image ID of the containers (SPIRE lists both, empty ones included).
    static func imageIdentifiers(_ statuses: [ContainerStatus]) -> Set<String> {
        Set(statuses.flatMap { [$0.imageID, $0.image] })
    }
}
