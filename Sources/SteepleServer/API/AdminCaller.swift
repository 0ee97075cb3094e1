import GRPCCore
import GRPCUnixServer

/// Who called the admin API, for the log: the kernel credentials of the process on the other end of the admin
/// socket (taken at accept time), else the transport's peer description.
struct AdminCaller: CustomStringConvertible {
    let description: String

    init(_ context: ServerContext) {
        if let peer = context.unixPeer {
            description = peer.credentials.description
        } else {
            description = context.remotePeer
        }
    }
}
