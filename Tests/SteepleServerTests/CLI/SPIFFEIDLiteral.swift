import SPIREAPIProto

/// Tests write SPIRE API IDs as URIs: `entry.spiffeID = "spiffe://example.org/web"`.
extension Spire_Api_Types_SPIFFEID: ExpressibleByStringLiteral {
    public init(stringLiteral uri: String) {
        self.init()
        let rest = uri.dropFirst("spiffe://".count)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        trustDomain = String(rest[..<slash])
        path = String(rest[slash...])
    }
}
