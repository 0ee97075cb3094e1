public import GRPCCore

/// What `ServerContext.transportSpecific` holds for every RPC served by ``UnixServerTransport``: the caller's
/// credentials and, when the kernel supports `SO_PEERPIDFD`, a handle on the caller's process. Both were taken
/// when the connection was accepted and are shared by every RPC on that connection.
public struct UnixPeer: ServerContext.TransportSpecific {
    public var credentials: UnixPeerCredentials
    public var process: UnixPeerProcess?

    public init(credentials: UnixPeerCredentials, process: UnixPeerProcess?) {
        self.credentials = credentials
        self.process = process
    }

    /// `ServerContext.remotePeer` for RPCs from this peer: `unix:pid=…,uid=…,gid=…`.
    public var remotePeerDescription: String {
        "unix:" + credentials.description
    }
}

extension ServerContext {
    /// The caller as seen by ``UnixServerTransport``; nil when the RPC came through another transport.
    public var unixPeer: UnixPeer? {
        transportSpecific as? UnixPeer
    }
}
