public import GRPCCore
public import NIOCore
public import X509
import NIOSSL
import SwiftASN1
import Synchronization

/// What `ServerContext.transportSpecific` holds for every RPC served by ``TLSServerTransport``: the client's address
/// and the certificate chain it presented in the TLS handshake (leaf first; empty when it presented none). The
/// transport does not verify the chain: the application authenticates it per call, against whatever trust it holds
/// at that moment.
public struct TLSPeer: ServerContext.TransportSpecific {
    public var remoteAddress: SocketAddress?
    private let presented: PresentedCertificates

    init(remoteAddress: SocketAddress?, presented: PresentedCertificates) {
        self.remoteAddress = remoteAddress
        self.presented = presented
    }

    /// The chain the client presented, leaf first; empty if it presented none.
    public var certificateChain: [Certificate] { presented.chain }

    /// `ServerContext.remotePeer` for RPCs from this peer: `ipv4:1.2.3.4:5678` / `ipv6:[::1]:5678`, as grpc-swift
    /// writes it.
    var remotePeerDescription: String {
        guard let address = remoteAddress, let ip = address.ipAddress, let port = address.port else { return "unknown" }
        switch address {
        case .v6: return "ipv6:[\(ip)]:\(port)"
        default: return "ipv4:\(ip):\(port)"
        }
    }
}

extension ServerContext {
    /// The caller as seen by ``TLSServerTransport``; nil when the RPC came through another transport.
    public var tlsPeer: TLSPeer? {
        transportSpecific as? TLSPeer
    }
}

/// The chain a client presented, recorded by the TLS handshake's verification callback (which runs before any
/// stream can be opened) and read by every RPC of the connection.
final class PresentedCertificates: Sendable {
    private let recorded = Mutex<[Certificate]>([])

    var chain: [Certificate] { recorded.withLock { $0 } }

    /// Records the chain; false (the handshake then fails) when a certificate does not parse.
    func record(_ certificates: [NIOSSLCertificate]) -> Bool {
        var chain: [Certificate] = []
        for certificate in certificates {
            guard let der = try? certificate.toDERBytes(), let parsed = try? Certificate(derEncoded: der) else { return false }
            chain.append(parsed)
        }
        recorded.withLock { $0 = chain }
        return true
    }
}
