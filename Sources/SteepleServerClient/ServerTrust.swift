package import SPIFFE

/// How a client of a server's TCP port (an agent, a downstream server) checks the server it connects to.
package enum ServerTrust: Sendable {
    /// The server's SVID must chain to this bundle and be `spiffe://<td>/spire/server`.
    case bundle(SPIFFEBundle)
    /// No check: an agent's `insecure_bootstrap`, first attestation only.
    case insecure
}
