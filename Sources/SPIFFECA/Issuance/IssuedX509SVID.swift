package import SPIFFE
package import X509
import SwiftASN1

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// An X509-SVID chain as the CA released it: the leaf, then the authority's upstream intermediates (never the root).
///
/// It keeps the DER the CA wrote and the leaf's serial and validity. The handlers send the DER as it is and log
/// the serial; ``chain`` parses the certificates for the callers that need them (the server's own SVID, `x509 mint`).
package struct IssuedX509SVID: Sendable, Hashable {
    /// The leaf's DER.
    package let leafDER: [UInt8]
    /// The upstream intermediates, nearest first, and the DER of each, as served after the leaf.
    package let upstreamChain: [Certificate]
    package let upstreamCertificatesDER: [[UInt8]]
    /// The leaf's serial number as its INTEGER holds it (big-endian, a leading zero when the top bit is set).
    package let serialNumber: ArraySlice<UInt8>
    package let notBefore: Date
    /// The leaf's notAfter.
    package let expiresAt: Date

    /// An issued chain built as certificates.
    package init(chain: [Certificate]) {
        precondition(!chain.isEmpty, "an issued chain holds at least the leaf")
        leafDER = chain[0].spiffeDERBytes
        upstreamChain = Array(chain.dropFirst())
        upstreamCertificatesDER = chain.dropFirst().map(\.spiffeDERBytes)
        serialNumber = chain[0].serialNumber.bytes
        notBefore = chain[0].notValidBefore
        expiresAt = chain[0].notValidAfter
    }

    /// An issued chain written as DER, with the leaf's fields as written.
    init(leafDER: [UInt8], upstreamChain: [Certificate], upstreamCertificatesDER: [[UInt8]], serialNumber: ArraySlice<UInt8>, notBefore: Date, expiresAt: Date) {
        self.leafDER = leafDER
        self.upstreamChain = upstreamChain
        self.upstreamCertificatesDER = upstreamCertificatesDER
        self.serialNumber = serialNumber
        self.notBefore = notBefore
        self.expiresAt = expiresAt
    }

    /// The chain as concatenated DER, as the agent API and `x509 mint` carry it.
    package var chainDER: [UInt8] { leafDER + upstreamCertificatesDER.joined() }

    /// The DER of each certificate of the chain, the leaf first, as SPIRE's `X509SVID.cert_chain` carries them.
    package var certificatesDER: [[UInt8]] { [leafDER] + upstreamCertificatesDER }

    /// The chain parsed: the leaf, then the upstream intermediates.
    ///
    /// - Throws: ``CAError/Code/issuedCredentialInvalid`` if the CA wrote a leaf that does not parse (a bug, never
    ///   expected).
    package var chain: [Certificate] {
        get throws(CAError) { [try leaf] + upstreamChain }
    }

    /// The leaf parsed.
    package var leaf: Certificate {
        get throws(CAError) {
            do {
                return try Certificate(derEncoded: leafDER)
            } catch {
                throw CAError(.issuedCredentialInvalid, "issued X509-SVID does not parse", cause: error)
            }
        }
    }
}

/// `x509 mint`'s result: the chain, and the private key when the CA made it.
package struct MintedX509SVID: Sendable {
    package let svid: IssuedX509SVID
    package let privateKey: Certificate.PrivateKey?

    package init(svid: IssuedX509SVID, privateKey: Certificate.PrivateKey?) {
        self.svid = svid
        self.privateKey = privateKey
    }
}
