import SteepleDatastore

extension RegistrationEntry {
    /// The entry's X509-SVID TTL for the issuer: `nil` (the server default) when the entry gives 0.
    var x509SVIDTTLOverride: Duration? { x509SVIDTTL > 0 ? .seconds(x509SVIDTTL) : nil }
    /// The entry's JWT-SVID TTL for the issuer: `nil` (the server default) when the entry gives 0.
    var jwtSVIDTTLOverride: Duration? { jwtSVIDTTL > 0 ? .seconds(jwtSVIDTTL) : nil }
}
