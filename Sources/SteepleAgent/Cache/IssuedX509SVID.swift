import SPIFFE
import SwiftASN1
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An X509-SVID the agent holds for an entry, with what it was issued for and when to rotate it.
///
/// Only the encodings workloads are served and the few facts the rotator reads are kept: the parsed certificates and
/// the key object of an ``X509SVID`` are several kilobytes each, and the agent may hold thousands of these (issue #20's
/// memory per cached SVID). The SVID was validated as an ``X509SVID`` before it got here; ``x509SVID()`` parses it
/// again for the rare caller that needs the parsed form.
struct IssuedX509SVID: Sendable {
    let entryID: String
    let spiffeID: SPIFFEID
    let hint: String
    /// The chain as concatenated DER, leaf first: the Workload API's `x509_svid` (a `Data` so that every response
    /// shares these bytes instead of copying them).
    let chainDER: Data
    /// The key as unencrypted DER PKCS#8: the Workload API's `x509_svid_key`.
    let privateKeyDER: Data
    let notAfter: Date
    /// The leaf's authority key identifier: which of the server's authorities signed it.
    let leafAuthorityKeyID: [UInt8]?
    /// The DER of the bundle authority that was found to sign the chain's last certificate when the SVID arrived
    /// (shared with the other SVIDs of that batch), or nil when none did then.
    let issuerAuthorityDER: [UInt8]?
    let shape: AgentEntry.X509Shape
    let rotateAt: Date

    /// Keeps what the agent serves of `svid`. `authorities` are the bundle's X.509 authorities with their DER: the one
    /// that verifies the chain's last certificate is remembered, so the rotator's "is the issuer still published" is a
    /// lookup rather than a signature check per SVID per pass.
    init(entryID: String, svid: X509SVID, shape: AgentEntry.X509Shape, rotateAt: Date,
         authorities: [(certificate: Certificate, der: [UInt8])] = []) {
        self.entryID = entryID
        spiffeID = svid.id
        hint = svid.hint
        chainDER = Data(svid.chainDER)
        privateKeyDER = Data(svid.privateKeyDER)
        notAfter = svid.leaf.notValidAfter
        leafAuthorityKeyID = (try? svid.leaf.extensions.authorityKeyIdentifier?.keyIdentifier).map { Array($0) }
        let top = svid.certificates[svid.certificates.count - 1]
        issuerAuthorityDER = authorities.first { Self.signs($0.certificate, top) }?.der
        self.shape = shape
        self.rotateAt = rotateAt
    }

    /// The parsed SVID. Its encodings were validated when it was issued, so this fails only if memory was corrupted.
    func x509SVID() throws(SPIFFEError) -> X509SVID {
        try X509SVID(chainDER: chainDER, privateKeyDER: privateKeyDER, hint: hint)
    }

    /// Each certificate's DER, leaf first.
    var certificatesDER: [Data] {
        ((try? DERSequenceSplitter.split(Array(chainDER)[...])) ?? []).map { Data($0) }
    }

    /// The chain as PEM, one `CERTIFICATE` block per certificate (Envoy's `certificate_chain`).
    var chainPEM: String {
        certificatesDER.map { PEMDocument(type: "CERTIFICATE", derBytes: Array($0)).pemString + "\n" }.joined()
    }

    /// The key as a PKCS#8 `PRIVATE KEY` PEM block (Envoy's `private_key`).
    var privateKeyPEM: String { PEMDocument(type: "PRIVATE KEY", derBytes: Array(privateKeyDER)).pemString + "\n" }

    /// Whether `authority` is the certificate that signed `certificate`.
    static func signs(_ authority: Certificate, _ certificate: Certificate) -> Bool {
        authority.subject == certificate.issuer && authority.publicKey.isValidSignature(certificate.signature, for: certificate)
    }

    /// Half of the lifetime, jittered by up to ±10 % of that half (SPIRE's rule), so that SVIDs issued together do not
    /// all come back at the same instant. `notBefore` is the start of the usable lifetime: the later of the
    /// certificate's (backdated) `notBefore` and the time the agent received it.
    static func rotationTime(notBefore: Date, notAfter: Date, jitter: Double = Double.random(in: -0.1...0.1)) -> Date {
        let half = notAfter.timeIntervalSince(notBefore) / 2
        return notBefore + half + half * jitter
    }
}
