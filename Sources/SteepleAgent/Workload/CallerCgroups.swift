import SteepleKubernetes

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a container workload attestor reads first: the caller's `/proc/<pid>/cgroup`, located with `locate`, then a
/// check that the pid is still the caller's (a recycled pid would lend another process's container).
enum CallerCgroups {
    /// `locate`'s answer for the caller's cgroups; nil when it names no container. `attestor` prefixes errors.
    static func locate<Location>(
        _ caller: WorkloadCaller, procRoot: String, attestor: String,
        _ locate: (String) throws(KubernetesError) -> Location?
    ) throws -> Location? {
        let text: String
        do {
            text = try String(contentsOfFile: "\(procRoot)/\(caller.pid)/cgroup", encoding: .utf8)
        } catch {
            throw WorkloadAttestationError(message: "\(attestor): unable to obtain cgroups of process \(caller.pid): \(error)")
        }
        let location: Location?
        do {
            location = try locate(text)
        } catch {
            throw WorkloadAttestationError(message: "\(attestor): \(error.message)")
        }
        guard location != nil else { return nil }
        guard caller.processIsAlive?() ?? true else {
            throw WorkloadAttestationError(message: "process \(caller.pid) exited during attestation")
        }
        return location
    }
}
