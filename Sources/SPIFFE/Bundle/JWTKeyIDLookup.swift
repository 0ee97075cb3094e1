/// A JWT bundle source that holds several trust domains and can say which of them publish a given `kid`.
///
/// JWT-SVID validation uses it only to explain a failure: a token whose `kid` is an authority of another trust
/// domain than its `sub` is rejected as ``SPIFFEError/Code/keyIDOfOtherTrustDomain`` instead of
/// ``SPIFFEError/Code/unknownKeyID``. Bundles of different trust domains are never merged (Federation §4.2).
protocol JWTKeyIDLookup {
    /// The trust domains whose JWT bundle has an authority with `keyID`, sorted by name.
    func trustDomains(holdingKeyID keyID: String) -> [TrustDomain]
}
