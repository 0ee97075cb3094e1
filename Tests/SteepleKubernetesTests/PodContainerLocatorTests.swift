import Foundation
import SteepleKubernetes
import Testing

/// Pod UID and container ID from `/proc/<pid>/cgroup`, in the forms kubelets and runtimes write.
struct PodContainerLocatorTests {
    static let container = "9bca8d63d5fa610783847915bcff0ecac1273e5b4bed3f6fa1b07350e0135961"
    static let pod = "2c48913c-b29f-11e7-9350-020968147796"

    @Test("cgroup v1 with the cgroupfs driver: /kubepods/<qos>/pod<uid>/<id>, on every hierarchy")
    func cgroupfs() throws {
        let file = """
        12:pids:/kubepods/burstable/pod\(Self.pod)/\(Self.container)
        11:memory:/kubepods/burstable/pod\(Self.pod)/\(Self.container)
        1:name=systemd:/kubepods/burstable/pod\(Self.pod)/\(Self.container)
        0::/
        """
        #expect(try PodContainerLocator.locate(cgroupFile: file) == .init(podUID: Self.pod, containerID: Self.container))
    }

    @Test("the systemd driver (cgroup v2 or v1): underscores in the pod UID, containerd, CRI-O and Docker scopes")
    func systemd() {
        let uid = Self.pod.replacingOccurrences(of: "-", with: "_")
        for runtime in ["cri-containerd-", "crio-", "docker-"] {
            let path = "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod\(uid).slice/\(runtime)\(Self.container).scope"
            #expect(PodContainerLocator.locate(path: path) == .init(podUID: Self.pod, containerID: Self.container), "\(path)")
        }
        // The guaranteed QoS class has no class slice.
        #expect(PodContainerLocator.locate(path: "/kubepods.slice/kubepods-pod\(uid).slice/cri-containerd-\(Self.container).scope")?.podUID == Self.pod)
    }

    @Test("nested (kind) and CRI-O without a pod segment")
    func nestedAndCRIO() {
        #expect(PodContainerLocator.locate(path: "/docker/93529524695bb00d91c1f6dba692ea8d3550c3b94fb2463af7bc9ec82f992d26/kubelet/kubepods/besteffort/pod\(Self.pod)/\(Self.container)")
            == .init(podUID: Self.pod, containerID: Self.container))
        #expect(PodContainerLocator.locate(path: "/system.slice/crio-\(Self.container).scope") == .init(podUID: nil, containerID: Self.container))
    }

    @Test("a process outside any pod has no location")
    func outside() throws {
        #expect(try PodContainerLocator.locate(cgroupFile: "0::/user.slice/user-1000.slice/session-3.scope\n") == nil)
        #expect(try PodContainerLocator.locate(cgroupFile: "4:memory:/process_api/c0304b4953c3508c92d79b2f0eeeb18e\n0::/\n") == nil)
        // A pod's own cgroup (the pause sandbox level) names no container.
        #expect(PodContainerLocator.locate(path: "/kubepods/burstable/pod\(Self.pod)") == nil)
        // Docker outside Kubernetes is not a pod.
        #expect(PodContainerLocator.locate(path: "/docker/\(Self.container)") == nil)
        // Too few hex digits, or a pod UID too short, are no match.
        #expect(PodContainerLocator.locate(path: "/kubepods/burstable/pod\(Self.pod)/\(Self.container.dropLast())") == nil)
        #expect(PodContainerLocator.locate(path: "/kubepods/burstable/pod2c48913c-b29f/\(Self.container)") == nil)
    }

    @Test("two containers or two pods in one process's cgroups are an error")
    func conflicting() {
        let other = String(Self.container.reversed())
        #expect(throws: KubernetesError.self) {
            try PodContainerLocator.locate(cgroupFile: "2:pids:/kubepods/pod\(Self.pod)/\(Self.container)\n1:cpu:/kubepods/pod\(Self.pod)/\(other)\n")
        }
        #expect(throws: KubernetesError.self) {
            try PodContainerLocator.locate(cgroupFile: "2:pids:/kubepods/pod\(Self.pod)/\(Self.container)\n1:cpu:/kubepods/pod11111111-2222-3333-4444-555555555555/\(Self.container)\n")
        }
    }
}
