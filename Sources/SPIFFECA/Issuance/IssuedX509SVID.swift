package import SPIFFE
package import X509

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// An X509-SVID chain as the CA released it: the leaf, then the authority's upstream intermediates (never the root).
package struct IssuedX509SVID: Sendable, Hashable {
    package let chain: [Certificate]

    package init(chain: [Certificate]) {
        precondition(!chain.isEmpty, "an issued chain holds at least the leaf")
        self.chain = chain
    }

    package var leaf: Certificate { chain[0] }
    package var expiresAt: Date { leaf.notValidAfter }
    /// The chain as concatenated DER, as the agent API and `x509 mint` carry it.
    package var chainDER: [UInt8] { chain.flatMap(\.spiffeDERBytes) }
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
