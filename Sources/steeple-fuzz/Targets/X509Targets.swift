import SPIFFE
import SPIFFECA
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// X509-SVIDs as the Workload API serves them, chains as TLS peers present them, and agents' CSRs.
enum X509Targets {
    /// Input: a length-prefixed DER bundle, a length-prefixed DER PKCS#8 key, then the DER chain (the rest).
    static let x509SVID = FuzzTarget(
        name: "x509-svid",
        summary: "X509SVID(chainDER:privateKeyDER:), X509Bundle(derBytes:) and X509SVIDVerifier.verify of the chain against the bundle"
    ) { bytes in
        var input = FuzzInput(bytes)
        let bundleDER = input.lengthPrefixed()
        let keyDER = input.lengthPrefixed()
        let chainDER = input.rest()
        FuzzLog.outcome("x509-svid") { try X509SVID(chainDER: chainDER, privateKeyDER: keyDER).id }
        guard let bundle = try? X509Bundle(trustDomain: FuzzKeys.trustDomain, derBytes: bundleDER),
            let chain = try? X509Bundle(trustDomain: FuzzKeys.trustDomain, derBytes: chainDER).x509Authorities,
            let leaf = chain.first
        else { return }
        _ = bundle.derRepresentation
        // Verify at a time inside the leaf's validity, so that the seeds reach the chain checks.
        let time = leaf.notValidBefore.addingTimeInterval(1)
        FuzzLog.outcome("x509-svid verify") {
            try runBlocking { () async throws -> SPIFFEID in try await X509SVIDVerifier.verify(chain: chain, bundles: bundle, at: time).id }
        }
    }

    static let csr = FuzzTarget(
        name: "csr",
        summary: "CertificateAuthority.publicKey(fromCSR:): DER PKCS#10 parsing and the proof-of-possession signature check"
    ) { bytes in
        FuzzLog.outcome("csr") { try CertificateAuthority.publicKey(fromCSR: bytes) }
    }
}
