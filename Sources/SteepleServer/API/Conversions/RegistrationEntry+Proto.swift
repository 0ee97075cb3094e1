import SPIFFE
import SteepleDatastore
import SteepleServerAPIProto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension RegistrationEntry {
    /// The entry for the API. Times are clamped into the years 1970 to 9999 (the store never returns others), so
    /// this never traps.
    var proto: Steeple_Server_V1_Entry {
        var proto = Steeple_Server_V1_Entry()
        proto.id = id
        proto.spiffeID = spiffeID.string
        proto.parentID = parentID.string
        proto.selectors = selectors.map(\.proto)
        proto.x509SvidTtl = Int32(clamping: x509SVIDTTL)
        proto.jwtSvidTtl = Int32(clamping: jwtSVIDTTL)
        proto.federatesWith = federatesWith.map(\.name)
        proto.admin = admin
        proto.downstream = downstream
        proto.expiresAt = expiresAt.map(UnixTime.clampedSeconds) ?? 0
        proto.dnsNames = dnsNames
        proto.revisionNumber = revisionNumber
        proto.storeSvid = storeSVID
        proto.hint = hint
        proto.createdAt = UnixTime.clampedSeconds(createdAt)
        proto.jwtSvidIncludeJti = jwtSVIDIncludeJTI
        proto.disableX509SvidPrefetch = disableX509SVIDPrefetch
        return proto
    }
}

extension Selector {
    var proto: Steeple_Server_V1_Selector {
        var proto = Steeple_Server_V1_Selector()
        proto.type = type
        proto.value = value
        return proto
    }
}
