/// Finds the Docker container ID of a process from its cgroup paths, in the forms Docker writes: `/docker/<64 hex>`
/// (cgroupfs driver), `/system.slice/docker-<64 hex>.scope` (systemd driver), and a Kubernetes pod's container
/// (``PodContainerLocator``). Paths naming two different containers are an error; none is no container.
public enum DockerContainerLocator {
    public static func containerID(cgroupFile text: String) throws(KubernetesError) -> String? {
        var found: String?
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, let id = containerID(path: String(fields[2])) else { continue }
            if let found, found != id {
                throw KubernetesError("multiple container IDs found in cgroups (\(found), \(id))")
            }
            found = id
        }
        return found
    }

    /// The container one cgroup path names, if any.
    public static func containerID(path: String) -> String? {
        var components = path.split(separator: "/").map(String.init)
        guard var last = components.popLast() else { return nil }
        if last.hasSuffix(".scope") { last.removeLast(".scope".count) }
        if last.hasPrefix("docker-"), isID(last.dropFirst("docker-".count)) { return String(last.dropFirst("docker-".count)) }
        if isID(Substring(last)), components.last == "docker" { return last }
        return PodContainerLocator.locate(path: path)?.containerID
    }

    static func isID(_ text: Substring) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy(PodContainerLocator.isHex)
    }
}
