package import SPIFFE

/// How the agent checks the server it connects to.
package enum ServerTrust: Sendable {
    /// The server's SVID must chain to this bundle and be `spiffe://<td>/spire/server`.
    case bundle(SPIFFEBundle)
    /// No check: `insecure_bootstrap`, first attestation only.
    case insecure
}
