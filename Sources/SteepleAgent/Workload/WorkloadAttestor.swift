/// The configured workload attestors, run for each caller; the caller's selectors are the union of theirs (SPIRE's
/// agent runs every configured `WorkloadAttestor` plugin alike). A failure of any fails the attestation.
struct WorkloadAttestor: Sendable {
    var unix: UnixWorkloadAttestor?
    var k8s: K8sWorkloadAttestor?
    var docker: DockerWorkloadAttestor?

    init(unix: UnixWorkloadAttestor? = UnixWorkloadAttestor(), k8s: K8sWorkloadAttestor? = nil, docker: DockerWorkloadAttestor? = nil) {
        self.unix = unix
        self.k8s = k8s
        self.docker = docker
    }

    func selectors(for caller: WorkloadCaller) async throws -> Set<String> {
        var selectors: Set<String> = []
        if let unix { selectors.formUnion(try unix.selectors(for: caller)) }
        if let k8s { selectors.formUnion(try await k8s.selectors(for: caller)) }
        if let docker { selectors.formUnion(try await docker.selectors(for: caller)) }
        return selectors
    }
}
