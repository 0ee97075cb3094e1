#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A connected UDP socket to one StatsD collector. Sends never block and never fail the caller: a collector that is
/// down or slow loses metrics, never the process's time (as StatsD over UDP is meant to).
final class StatsdSocket: Sendable {
    private let descriptor: Int32

    /// Resolves `address` and connects a UDP socket to it.
    /// - Throws: ``TelemetryError`` naming the address when it does not resolve or the socket cannot be made.
    init(address: String) throws(TelemetryError) {
        guard let parsed = StatsdAddress(address) else {
            throw TelemetryError("statsd address \"\(address)\" is not host:port, such as \"localhost:8125\"")
        }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc) || canImport(Musl)
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        #else
        hints.ai_socktype = SOCK_DGRAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(parsed.host, String(parsed.port), &hints, &list)
        guard status == 0, let first = list else {
            throw TelemetryError("statsd address \"\(address)\" does not resolve: \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        var lastError: Int32 = 0
        while let info = candidate {
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), info.pointee.ai_protocol)
            if fd >= 0 {
                if connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                    descriptor = fd
                    return
                }
                lastError = errno
                close(fd)
            } else {
                lastError = errno
            }
            candidate = info.pointee.ai_next
        }
        throw TelemetryError("statsd address \"\(address)\": cannot open a UDP socket to it: \(String(cString: strerror(lastError)))")
    }

    /// Sends one datagram; errors (a collector not listening yet, a full buffer) are dropped on purpose.
    func send(_ line: String) {
        var line = line
        line.withUTF8 { bytes in
            sendDatagram(descriptor, bytes)
        }
    }

    deinit {
        close(descriptor)
    }
}

/// `send(2)` without waiting; outside the class, whose own `send` would shadow it.
private func sendDatagram(_ descriptor: Int32, _ bytes: UnsafeBufferPointer<UInt8>) {
    _ = send(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT))
}
