import X509

/// The X509-SVID shape rules of SPEC §2.1 and §2.5, shared by parsing (``X509SVID``) and verification of a
/// presented chain (``X509SVIDVerifier``). They are the union of what go-spiffe and py-spiffe check, so an SVID
/// that passes is accepted by both.
enum X509SVIDRules {
    /// Checks the leaf and every signing certificate after it, returning the leaf's SPIFFE ID.
    static func validateChain(_ certificates: [Certificate]) throws(SPIFFEError) -> SPIFFEID {
        guard let leaf = certificates.first else {
            throw SPIFFEError(code: .emptyCertificateChain, message: "certificate chain is empty: expected the leaf SVID first")
        }
        let id = try validateLeaf(leaf)
        for (offset, certificate) in certificates.dropFirst().enumerated() {
            try validateSigningCertificate(certificate, position: offset + 1)
        }
        return id
    }

    /// Leaf rules: exactly one URI SAN that is a SPIFFE ID with a path (X509-SVID §2, §3.1); basic constraints present
    /// with cA false (§4.1); key usage present, critical, with digitalSignature and without keyCertSign or cRLSign (§4.3).
    static func validateLeaf(_ leaf: Certificate) throws(SPIFFEError) -> SPIFFEID {
        let id = try spiffeID(of: leaf)
        guard id.hasPath else {
            throw SPIFFEError(
                code: .leafIDWithoutPath,
                message: "leaf SPIFFE ID \(id) has no path: a workload SVID needs an ID such as \(id)/workload (X509-SVID §3.1)"
            )
        }
        let basicConstraints: BasicConstraints?
        do {
            basicConstraints = try leaf.extensions.basicConstraints
        } catch {
            throw SPIFFEError(code: .leafBasicConstraints, message: "leaf basic constraints extension is malformed", cause: error)
        }
        switch basicConstraints {
        case .none:
            throw SPIFFEError(
                code: .leafBasicConstraints,
                message: "leaf has no basic constraints extension: it must be present with cA=false (X509-SVID §4.1)"
            )
        case .some(.isCertificateAuthority):
            throw SPIFFEError(code: .leafBasicConstraints, message: "leaf is a CA (cA=true): an SVID leaf must have cA=false (X509-SVID §4.1)")
        case .some(.notCertificateAuthority):
            break
        }
        guard let keyUsageExtension = leaf.extensions[oid: .X509ExtensionID.keyUsage] else {
            throw SPIFFEError(code: .leafKeyUsage, message: "leaf has no key usage extension: it must be present and critical (X509-SVID §4.3)")
        }
        guard keyUsageExtension.critical else {
            throw SPIFFEError(code: .leafKeyUsage, message: "leaf key usage extension is not critical: X509-SVID §4.3 requires it critical")
        }
        let keyUsage: KeyUsage
        do {
            keyUsage = try KeyUsage(keyUsageExtension)
        } catch {
            throw SPIFFEError(code: .leafKeyUsage, message: "leaf key usage extension is malformed", cause: error)
        }
        guard keyUsage.digitalSignature else {
            throw SPIFFEError(code: .leafKeyUsage, message: "leaf key usage lacks digitalSignature, which X509-SVID §4.3 requires")
        }
        guard !keyUsage.keyCertSign, !keyUsage.cRLSign else {
            throw SPIFFEError(
                code: .leafKeyUsage,
                message: "leaf key usage has \(keyUsage.keyCertSign ? "keyCertSign" : "cRLSign"), which a leaf must not set (X509-SVID §4.3)"
            )
        }
        return id
    }

    /// Signing certificate rules: cA true and keyCertSign (X509-SVID §3.2, §4.1, §4.3).
    static func validateSigningCertificate(_ certificate: Certificate, position: Int) throws(SPIFFEError) {
        let basicConstraints = try? certificate.extensions.basicConstraints
        guard case .some(.isCertificateAuthority) = basicConstraints else {
            throw SPIFFEError(
                code: .signingCertificateConstraints,
                message: "certificate \(position) of the chain is not a CA: every certificate after the leaf needs cA=true (X509-SVID §4.1)"
            )
        }
        guard let keyUsage = try? certificate.extensions.keyUsage, keyUsage.keyCertSign else {
            throw SPIFFEError(
                code: .signingCertificateConstraints,
                message: "certificate \(position) of the chain lacks keyCertSign key usage, which a signing certificate needs (X509-SVID §4.3)"
            )
        }
    }

    /// The single URI SAN of a certificate, parsed as a SPIFFE ID (X509-SVID §2).
    static func spiffeID(of certificate: Certificate) throws(SPIFFEError) -> SPIFFEID {
        let names: SubjectAlternativeNames?
        do {
            names = try certificate.extensions.subjectAlternativeNames
        } catch {
            throw SPIFFEError(code: .uriSANCount, message: "subject alternative name extension is malformed", cause: error)
        }
        var uris: [String] = []
        for name in names ?? SubjectAlternativeNames() {
            if case .uniformResourceIdentifier(let uri) = name { uris.append(uri) }
        }
        guard uris.count == 1 else {
            throw SPIFFEError(
                code: .uriSANCount,
                message: "certificate has \(uris.count) URI SANs: an X509-SVID must have exactly one, holding its SPIFFE ID (X509-SVID §2)"
            )
        }
        do {
            return try SPIFFEID(uris[0])
        } catch {
            throw SPIFFEError(code: .uriSANCount, message: "the URI SAN is not a valid SPIFFE ID: \(error.message)", cause: error)
        }
    }
}
