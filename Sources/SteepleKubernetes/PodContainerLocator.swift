/// Finds the pod UID and container ID of a process from its cgroup paths (`/proc/<pid>/cgroup`), as SPIRE's
/// `k8s` workload attestor does, for the forms kubelets create:
///
/// - cgroup v1, cgroupfs driver: `/kubepods/burstable/pod2c48913c-b29f-11e7-9350-020968147796/<64 hex>`
/// - systemd driver (v1 or v2): `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod2c48913c_b29f_…
///   .slice/cri-containerd-<64 hex>.scope` (also `docker-…` and `crio-…`)
/// - CRI-O without a pod segment: `…/crio-<64 hex>.scope` (container ID only; the pod is found by it)
///
/// A process outside any pod (no such path) has neither; paths naming two containers or two pods are an error.
public enum PodContainerLocator {
    /// What a process's cgroups say about it.
    public struct Location: Sendable, Equatable {
        /// The pod's UID (canonical, with dashes), when a path names it.
        public var podUID: String?
        public var containerID: String

        public init(podUID: String?, containerID: String) {
            self.podUID = podUID
            self.containerID = containerID
        }
    }

    /// The location named by the lines of a `/proc/<pid>/cgroup` file; nil when no line names a container.
    public static func locate(cgroupFile text: String) throws(KubernetesError) -> Location? {
        var found: Location?
        // On bytes: splitting the String by Character (grapheme breaking) was most of the lookup's cost.
        let colon = UInt8(ascii: ":")
        for line in text.utf8.split(separator: UInt8(ascii: "\n")) {
            // hierarchy-ID:controllers:path; the path may itself hold colons.
            guard let first = line.firstIndex(of: colon), let second = line[line.index(after: first)...].firstIndex(of: colon),
                  let location = locate(bytes: Array(line[line.index(after: second)...]))
            else { continue }
            guard let previous = found else {
                found = location
                continue
            }
            if previous.containerID != location.containerID {
                throw KubernetesError("multiple container IDs found in cgroups (\(previous.containerID), \(location.containerID))")
            }
            if previous.podUID != location.podUID {
                throw KubernetesError("multiple pod UIDs found in cgroups (\(previous.podUID ?? ""), \(location.podUID ?? ""))")
            }
        }
        return found
    }

    /// The location one cgroup path names, if any.
    public static func locate(path: String) -> Location? {
        locate(bytes: Array(path.utf8))
    }

    static func locate(bytes path: [UInt8]) -> Location? {
        var bytes = path
        if bytes.count >= 6, Array(bytes.suffix(6)) == Array(".scope".utf8) { bytes.removeLast(6) }
        // Both of SPIRE's forms end in a 64-hex container ID after a punctuation character.
        guard bytes.count > 64 else { return nil }
        let idStart = bytes.count - 64
        guard bytes[idStart...].allSatisfy(isHex), isPunct(bytes[idStart - 1]) else { return nil }
        let containerID = String(decoding: bytes[idStart...], as: UTF8.self)
        let beforeID = idStart - 1 // index of the punctuation before the ID

        var podUIDFound: String?
        var podSegmentSeen = false
        var index = 1
        while index + 3 <= beforeID {
            defer { index += 1 }
            guard bytes[index] == UInt8(ascii: "p"), bytes[index + 1] == UInt8(ascii: "o"), bytes[index + 2] == UInt8(ascii: "d"),
                  isPunct(bytes[index - 1]), let (uid, end) = podUID(bytes, from: index + 3), end < bytes.count, isPunct(bytes[end])
            else { continue }
            podSegmentSeen = true
            // Between the pod segment and the ID: runs of non-punctuation, each ended by one punctuation character.
            if end == beforeID || (end < beforeID && isSegmentRuns(bytes[(end + 1)...beforeID])) {
                podUIDFound = uid
                break
            }
        }
        if let podUIDFound { return Location(podUID: podUIDFound, containerID: containerID) }
        // CRI-O's form without a pod: `crio<punct><id>`.
        if !podSegmentSeen, beforeID >= 4, Array(bytes[(beforeID - 4)..<beforeID]) == Array("crio".utf8) {
            return Location(podUID: nil, containerID: containerID)
        }
        return nil
    }

    /// A pod UID at `start`: 8-4-4-4-12 hex digits, each group optionally separated by one punctuation character;
    /// returned canonical (dashes) with the index after it.
    static func podUID(_ bytes: [UInt8], from start: Int) -> (String, Int)? {
        var index = start
        var groups: [String] = []
        for (number, length) in [8, 4, 4, 4, 12].enumerated() {
            if number > 0, index < bytes.count, isPunct(bytes[index]) { index += 1 }
            guard index + length <= bytes.count, bytes[index..<(index + length)].allSatisfy(isHex) else { return nil }
            groups.append(String(decoding: bytes[index..<(index + length)], as: UTF8.self))
            index += length
        }
        return (groups.joined(separator: "-"), index)
    }

    /// Whether `bytes` is empty or `(non-punct+ punct)*`.
    static func isSegmentRuns(_ bytes: ArraySlice<UInt8>) -> Bool {
        var runLength = 0
        for byte in bytes {
            if isPunct(byte) {
                guard runLength > 0 else { return false }
                runLength = 0
            } else {
                runLength += 1
            }
        }
        return runLength == 0
    }

    static func isHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }

    /// POSIX `[[:punct:]]` in ASCII, as Go's regexp reads it.
    static func isPunct(_ byte: UInt8) -> Bool {
        (33...47).contains(byte) || (58...64).contains(byte) || (91...96).contains(byte) || (123...126).contains(byte)
    }
}
