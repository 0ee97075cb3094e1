/// Where the Workload API listens: a Unix domain socket or a TCP address, as given in `SPIFFE_ENDPOINT_SOCKET`
/// (Workload Endpoint §4, SPEC §6.7).
///
/// A `WorkloadAPIEndpoint` is always valid: the only ways to get one parse and check the address.
///
/// ```swift
/// let endpoint = try WorkloadAPIEndpoint("unix:///tmp/spire-agent/public/api.sock")
/// let fromEnvironment = try WorkloadAPIEndpoint.fromEnvironment()
/// ```
public struct WorkloadAPIEndpoint: Sendable, Hashable {
    /// The kinds of address the Workload API can listen on.
    public enum Address: Sendable, Hashable {
        /// A Unix domain socket at an absolute path.
        case unixSocket(path: String)
        /// A TCP address: an IPv4 or IPv6 address (never a name) and a port.
        case tcp(ip: String, port: Int)
    }

    /// The parsed address.
    public let address: Address

    /// Parses an endpoint address (Workload Endpoint §4, SPEC §6.7).
    ///
    /// Accepted forms:
    /// - `unix:///path/to/socket` and `unix:/path/to/socket`: no authority, an absolute path that is not just `/`,
    ///   no query or fragment; `%XX` escapes in the path are decoded.
    /// - `tcp://IP:port`: an IPv4 address or a bracketed IPv6 address (`tcp://[::1]:8000`), a port from 1 to 65535,
    ///   and nothing else (no userinfo, path, query or fragment).
    ///
    /// - Parameter string: the address, e.g. the value of `SPIFFE_ENDPOINT_SOCKET`.
    /// - Throws: ``WorkloadAPIError`` with code ``WorkloadAPIError/Code/endpointSchemeUnsupported`` (no scheme, or not
    ///   `unix`/`tcp`), ``WorkloadAPIError/Code/endpointAuthorityNotAllowed``,
    ///   ``WorkloadAPIError/Code/endpointPathMissing``, ``WorkloadAPIError/Code/endpointPathNotAbsolute``,
    ///   ``WorkloadAPIError/Code/endpointExtraComponents``, ``WorkloadAPIError/Code/endpointHostNotIP``,
    ///   ``WorkloadAPIError/Code/endpointPortMissing`` or ``WorkloadAPIError/Code/endpointPortInvalid``.
    public init(_ string: String) throws(WorkloadAPIError) {
        self.address = try WorkloadAPIEndpointParser.parse(string)
    }

    /// An endpoint for the Unix domain socket at `path`, for explicit configuration (SPIRE's `socket_path`).
    ///
    /// - Parameter path: an absolute path other than `/`.
    /// - Throws: ``WorkloadAPIError/Code/endpointPathNotAbsolute`` or ``WorkloadAPIError/Code/endpointPathMissing``.
    public init(unixSocketPath path: String) throws(WorkloadAPIError) {
        try WorkloadAPIEndpointParser.checkUnixPath(path, original: path)
        self.address = .unixSocket(path: path)
    }
}

extension WorkloadAPIEndpoint: CustomStringConvertible {
    /// The address in its canonical URI form: `unix:///path` or `tcp://IP:port` (`tcp://[IPv6]:port`).
    public var description: String {
        switch address {
        case .unixSocket(let path):
            return "unix://" + path
        case .tcp(let ip, let port):
            return ip.contains(":") ? "tcp://[\(ip)]:\(port)" : "tcp://\(ip):\(port)"
        }
    }
}
