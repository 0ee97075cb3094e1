import Foundation
import Synchronization

/// A loopback TCP port nothing is bound to right now, for a process a test is about to start.
///
/// The kernel's choice for port 0 is not used: it comes from the ephemeral range (32768–60999 on Linux), the range every
/// outgoing connection of a busy test run also takes its local port from, so a port seen free here was sometimes taken
/// by a connection before the started server bound it (CI saw "Address already in use"). Ports come instead from
/// 20000–32767, below that range, walking from a random start so two test processes rarely meet, and never the same
/// port twice in one process. Each candidate is checked by binding it.
package func freeTCPPort() throws -> Int {
    for _ in 0..<PortWalk.range.count {
        let port = PortWalk.next()
        if canBind(port: port) { return port }
    }
    throw CLIFailure(message: "no free loopback TCP port in \(PortWalk.range)")
}

private enum PortWalk {
    static let range = 20000..<32768
    private static let offset = Atomic<Int>(Int.random(in: 0..<range.count))

    static func next() -> Int {
        let step = offset.wrappingAdd(1, ordering: .relaxed).oldValue
        return range.lowerBound + step % range.count
    }
}

private func canBind(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    return bound == 0
}
