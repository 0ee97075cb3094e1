import Foundation
import SteepleTestSupport
import Testing

/// A real cgroup shaped as a kubelet makes one for a pod's container, in a cgroup v1 hierarchy (writable here as
/// root): `/sys/fs/cgroup/pids/kubepods/besteffort/pod<uid>/<container id>` (cgroupfs driver) or, with `systemd`,
/// `/sys/fs/cgroup/systemd/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod<uid with _>.slice/
/// cri-containerd-<id>.scope`. Processes are started inside it; ``remove()`` kills them and removes the directories.
final class PodCgroup: Sendable {
    let podUID: String
    let containerID: String
    /// The leaf directory, whose `cgroup.procs` takes a process.
    let path: String
    private let created: [String]

    convenience init(podUID: String, containerID: String = PodCgroup.randomContainerID(), systemd: Bool = false) throws {
        let segments = systemd
            ? ["kubepods.slice", "kubepods-besteffort.slice", "kubepods-besteffort-pod\(podUID.replacingOccurrences(of: "-", with: "_")).slice", "cri-containerd-\(containerID).scope"]
            : ["kubepods", "besteffort", "pod\(podUID)", containerID]
        try self.init(root: systemd ? "/sys/fs/cgroup/systemd" : "/sys/fs/cgroup/pids", segments: segments, podUID: podUID, containerID: containerID)
    }

    /// A Docker container's cgroup, `/docker/<id>` (cgroupfs driver) or `/system.slice/docker-<id>.scope` (systemd).
    static func docker(containerID: String = PodCgroup.randomContainerID(), systemd: Bool = false) throws -> PodCgroup {
        systemd
            ? try PodCgroup(root: "/sys/fs/cgroup/systemd", segments: ["system.slice", "docker-\(containerID).scope"], podUID: "", containerID: containerID)
            : try PodCgroup(root: "/sys/fs/cgroup/pids", segments: ["docker", containerID], podUID: "", containerID: containerID)
    }

    init(root: String, segments: [String], podUID: String, containerID: String) throws {
        self.podUID = podUID
        self.containerID = containerID
        try #require(getuid() == 0 && FileManager.default.isWritableFile(atPath: root), "the container workload attestor tests place processes in real cgroups: they need root and a writable \(root)")
        var directory = root
        var made: [String] = []
        for segment in segments {
            directory += "/" + segment
            if !FileManager.default.fileExists(atPath: directory) {
                guard mkdir(directory, 0o755) == 0 else { throw CLIFailure(message: "mkdir \(directory): errno \(errno)") }
                made.append(directory)
            }
        }
        path = directory
        created = made
    }

    static func randomContainerID() -> String {
        (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }

    /// Runs `executable arguments` inside the cgroup: a shell moves itself in, then execs it (same pid), so the
    /// program is in the pod's cgroup from its first instruction.
    func run(_ executable: String, _ arguments: [String]) async throws -> ServerProcess.Output {
        let quoted = ([executable] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        return try await offCooperativePool { [path] in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "echo $$ > '\(path)/cgroup.procs' && exec \(quoted)"]
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let stdout = out.fileHandleForReading.readDataToEndOfFile()
            let stderr = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return ServerProcess.Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
        }
    }

    /// Removes the directories it created (deepest first), once no process is left in them.
    func remove() {
        for directory in created.reversed() {
            for _ in 0..<50 {
                if rmdir(directory) == 0 || errno == ENOENT { break }
                usleep(20_000)
            }
        }
    }
}
