package import SPIFFE
package import X509
import Synchronization

/// The issuer in use: rotation swaps in a new ``Issuer`` value, every operation reads the current one under a
/// lock (no actor hop on the signing path). This is what API handlers hold, as `any SVIDIssuer`.
package final class CurrentIssuer: SVIDIssuer {
    private let current: Mutex<Issuer>

    package init(_ issuer: Issuer) {
        current = Mutex(issuer)
    }

    /// The issuer that signs now.
    package var issuer: Issuer { current.withLock { $0 } }

    /// Swaps in the issuer of a newly activated authority or key.
    package func replace(with issuer: Issuer) {
        current.withLock { $0 = issuer }
    }

    package func issueAgentSVID(_ request: AgentSVIDRequest) throws(CAError) -> IssuedX509SVID {
        try issuer.issueAgentSVID(request)
    }

    package func issueServerSVID(_ request: ServerSVIDRequest) throws(CAError) -> IssuedX509SVID {
        try issuer.issueServerSVID(request)
    }

    package func issueWorkloadX509SVID(_ request: WorkloadX509SVIDRequest) throws(CAError) -> IssuedX509SVID {
        try issuer.issueWorkloadX509SVID(request)
    }

    package func issueWorkloadJWTSVID(_ request: WorkloadJWTSVIDRequest) throws(CAError) -> JWTSVID {
        try issuer.issueWorkloadJWTSVID(request)
    }

    package func mintX509SVID(_ request: MintX509SVIDRequest) throws(CAError) -> MintedX509SVID {
        try issuer.mintX509SVID(request)
    }

    package func signDownstreamX509CA(_ request: DownstreamX509CARequest) throws(CAError) -> [Certificate] {
        try issuer.signDownstreamX509CA(request)
    }
}
