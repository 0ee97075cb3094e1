import Foundation
import SPIFFE
import SPIFFETestSupport
@testable import SteepleAgent

extension AgentHealth {
    /// Health for in-process tests: an agent SVID from `ca` valid until `ownSVIDExpiresAt`, link as given.
    static func fixture(ca: TestCA, changes: ChangeBroadcaster, ownSVIDExpiresAt: Date = Date() + 3600, link: Link = .connected) throws -> AgentHealth {
        let svid = ca.makeSVID(try SPIFFEID("spiffe://\(ca.trustDomain.name)/spire/agent/test"), notAfter: ownSVIDExpiresAt)
        let identity = AgentIdentity(id: svid.id, chain: svid.certificates, privateKey: svid.privateKey)
        let health = AgentHealth(identity: AgentIdentityHolder(identity), changes: changes)
        health.linkChanged(link)
        return health
    }
}
