#if canImport(Glibc)
import Glibc
#endif

/// Opens a TCP connection to 127.0.0.1:`port` and sends nothing (a client that never starts its TLS handshake or its
/// HTTP/2 preface); nil when connect fails. The caller closes the descriptor.
package func connectTCPSilently(port: Int) -> Int32? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard result == 0 else {
        close(fd)
        return nil
    }
    return fd
}
