import SPIFFE

/// SPIFFE bundle documents (federation endpoints, `bundle set`, the agent's trust bundle).
enum BundleTargets {
    static let spiffeBundle = FuzzTarget(
        name: "spiffe-bundle",
        summary: "SPIFFEBundle(trustDomain:json:) on the input; an accepted bundle's jsonRepresentation must parse back equal"
    ) { bytes in
        guard let bundle = try? SPIFFEBundle(trustDomain: FuzzKeys.trustDomain, json: bytes) else { return }
        let again = try! SPIFFEBundle(trustDomain: FuzzKeys.trustDomain, json: bundle.jsonRepresentation)
        precondition(again.x509Authorities == bundle.x509Authorities, "x509 authorities changed on a round trip")
        precondition(again.jwtAuthorities.keys.sorted() == bundle.jwtAuthorities.keys.sorted(), "JWT kids changed on a round trip")
        precondition(again.sequenceNumber == bundle.sequenceNumber, "sequence changed on a round trip")
        _ = bundle.x509Bundle.derRepresentation
    }
}
