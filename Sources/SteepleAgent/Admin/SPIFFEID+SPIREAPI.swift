import SPIFFE
import SPIREAPIProto

extension Spire_Api_Types_SPIFFEID {
    /// SPIRE's API form of a SPIFFE ID: trust domain name and path (empty for a trust domain's own ID).
    init(_ id: SPIFFEID) {
        self.init()
        trustDomain = id.trustDomain.name
        path = id.path
    }
}
