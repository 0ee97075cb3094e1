import Foundation
import SteepleAgent
import SteepleKubernetes
import Testing

/// The `k8s` attestor's selectors from a pod list, as SPIRE's `getSelectorValuesFromPodInfo` and
/// `getSelectorValuesFromWorkloadContainerStatus` make them.
struct K8sSelectorsTests {
    static let uid = "c0ffee00-1234-4abc-9def-0123456789ab"
    static let container = String(repeating: "ab", count: 32)

    static func pods() throws -> [Pod] {
        let pod = FakeKubernetes.pod(name: "web-1", namespace: "default", uid: uid, node: "node-1", serviceAccount: "web",
                                     labels: ["app": "web"], containers: [(name: "nginx", image: "nginx:1.27", id: container)],
                                     owner: (kind: "ReplicaSet", name: "web-7d9f", uid: "1a2b"))
        return try JSONDecoder().decode(PodList.self, from: JSONSerialization.data(withJSONObject: ["items": [pod]])).items
    }

    @Test("the pod's and the container's selectors")
    func selectors() throws {
        let values = try #require(try K8sWorkloadAttestor.selectors(for: .init(podUID: Self.uid, containerID: Self.container), in: Self.pods(), containerSelectors: true))
        #expect(Set(values) == [
            "sa:web", "ns:default", "node-name:node-1", "pod-uid:\(Self.uid)", "pod-name:web-1", "pod-image-count:1", "pod-init-image-count:0",
            "pod-image:nginx:1.27", "pod-image:docker.io/library/nginx:1.27@sha256:" + String(repeating: "ab", count: 32),
            "pod-label:app:web", "pod-owner:ReplicaSet:web-7d9f", "pod-owner-uid:ReplicaSet:1a2b",
            "container-name:nginx", "container-image:nginx:1.27", "container-image:docker.io/library/nginx:1.27@sha256:" + String(repeating: "ab", count: 32),
        ])
    }

    @Test("a container not listed yet: nothing, unless container selectors are off and the pod is known by its UID")
    func containerNotListed() throws {
        let unlisted = PodContainerLocator.Location(podUID: Self.uid, containerID: String(repeating: "cd", count: 32))
        #expect(try K8sWorkloadAttestor.selectors(for: unlisted, in: Self.pods(), containerSelectors: true) == nil)
        let podOnly = try #require(try K8sWorkloadAttestor.selectors(for: unlisted, in: Self.pods(), containerSelectors: false))
        #expect(podOnly.contains("ns:default") && !podOnly.contains { $0.hasPrefix("container-") })
        let noPod = PodContainerLocator.Location(podUID: nil, containerID: String(repeating: "cd", count: 32))
        #expect(try K8sWorkloadAttestor.selectors(for: noPod, in: Self.pods(), containerSelectors: false) == nil)
    }
}
