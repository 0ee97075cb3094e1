import SPIFFE
import SPIREAPIProto
import SteepleDatastore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension RegistrationEntry {
    /// SPIRE's API form of the entry, every field set (``Spire_Api_Types_Entry/masked(_:)`` then drops the ones a
    /// caller did not ask for).
    var spireProto: Spire_Api_Types_Entry {
        var proto = Spire_Api_Types_Entry()
        proto.id = id
        proto.spiffeID = Spire_Api_Types_SPIFFEID(spiffeID)
        proto.parentID = Spire_Api_Types_SPIFFEID(parentID)
        proto.selectors = selectors.map(\.spireProto)
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
        // SPIRE sends additional_attributes only for an entry that has them; one with both false has none here.
        if jwtSVIDIncludeJTI || disableX509SVIDPrefetch {
            proto.additionalAttributes.jwtSvidIncludeJti = jwtSVIDIncludeJTI
            proto.additionalAttributes.disableX509SvidPrefetch = disableX509SVIDPrefetch
        }
        return proto
    }

    /// A new entry from SPIRE's API form (BatchCreateEntry): every field parsed and bounded, an ID generated when
    /// none is given, revision 0.
    init(spire proto: Spire_Api_Types_Entry, now: Date) throws(APIRefusal) {
        let spiffeID = try Self.parseID(proto.hasSpiffeID ? proto.spiffeID : nil, field: "spiffe_id")
        self.init(
            id: proto.id.isEmpty ? UUID().uuidString.lowercased() : proto.id,
            spiffeID: spiffeID,
            parentID: spiffeID,
            selectors: [],
            createdAt: now
        )
        try apply(proto, mask: nil)
    }

    /// Applies the fields of `proto` that `mask` names (all of them when `mask` is `nil`) onto this entry: the whole
    /// entry of a BatchCreateEntry (onto a blank one) or the changed fields of a BatchUpdateEntry (onto the stored
    /// one). Every field is parsed and bounded; a message names the field, the value and what would be right.
    mutating func apply(_ proto: Spire_Api_Types_Entry, mask: Spire_Api_Types_EntryMask?) throws(APIRefusal) {
        let all = mask == nil
        let mask = mask ?? Spire_Api_Types_EntryMask()
        do {
            try EntryValidator.validateSizes(
                selectors: all || mask.selectors ? proto.selectors.count : 0,
                dnsNames: all || mask.dnsNames ? proto.dnsNames.count : 0,
                federatesWith: all || mask.federatesWith ? proto.federatesWith.count : 0
            )
        } catch {
            throw APIRefusal(.invalidRequest, error.message)
        }
        if all || mask.spiffeID { spiffeID = try Self.parseID(proto.hasSpiffeID ? proto.spiffeID : nil, field: "spiffe_id") }
        if all || mask.parentID { parentID = try Self.parseID(proto.hasParentID ? proto.parentID : nil, field: "parent_id") }
        if all || mask.selectors { selectors = try Self.parseSelectors(proto.selectors) }
        if all || mask.x509SvidTtl { x509SVIDTTL = Int(proto.x509SvidTtl) }
        if all || mask.jwtSvidTtl { jwtSVIDTTL = Int(proto.jwtSvidTtl) }
        if all || mask.federatesWith {
            var domains: [TrustDomain] = []
            for name in proto.federatesWith {
                do {
                    // SPIRE accepts a name or a trust domain's SPIFFE ID (`spiffe://example.org`).
                    domains.append(try TrustDomain(name.hasPrefix("spiffe://") ? String(name.dropFirst(9)) : name))
                } catch {
                    throw APIRefusal(.invalidRequest, "invalid federates_with \(EntryValidator.quoted(name)): \(error.message)")
                }
            }
            federatesWith = domains
        }
        if all || mask.admin { admin = proto.admin }
        if all || mask.downstream { downstream = proto.downstream }
        if all || mask.expiresAt {
            if proto.expiresAt == 0 {
                expiresAt = nil
            } else {
                do {
                    expiresAt = try UnixTime(seconds: proto.expiresAt, field: "expires_at").date
                } catch {
                    throw APIRefusal(.invalidRequest, error.message)
                }
            }
        }
        if all || mask.dnsNames { dnsNames = proto.dnsNames }
        if all || mask.storeSvid { storeSVID = proto.storeSvid }
        if all || mask.hint { hint = proto.hint }
        if all || mask.additionalAttributes {
            // Absent means both false, as SPIRE's datastore reads a missing AdditionalAttributes.
            jwtSVIDIncludeJTI = proto.additionalAttributes.jwtSvidIncludeJti
            disableX509SVIDPrefetch = proto.additionalAttributes.disableX509SvidPrefetch
        }
    }

    private static func parseID(_ proto: Spire_Api_Types_SPIFFEID?, field: String) throws(APIRefusal) -> SPIFFEID {
        guard let proto, !(proto.trustDomain.isEmpty && proto.path.isEmpty) else {
            throw APIRefusal(.invalidRequest, "\(field) is required: give its trust_domain and path")
        }
        do {
            return try SPIFFEID(proto)
        } catch {
            throw APIRefusal(.invalidRequest, "invalid \(field) {trust_domain: \(EntryValidator.quoted(proto.trustDomain)), path: \(EntryValidator.quoted(proto.path))}: \(error.message)")
        }
    }

    /// Selectors of the API, each parsed and bounded.
    static func parseSelectors(_ protos: [Spire_Api_Types_Selector]) throws(APIRefusal) -> [Selector] {
        var selectors: [Selector] = []
        for proto in protos {
            do {
                try EntryValidator.validateSelectorSize(type: proto.type, value: proto.value)
            } catch {
                throw APIRefusal(.invalidRequest, error.message)
            }
            do {
                selectors.append(try Selector(type: proto.type, value: proto.value))
            } catch {
                throw APIRefusal(.invalidRequest, "invalid selector \(EntryValidator.quoted(proto.type + ":" + proto.value)): \(error.message)")
            }
        }
        return selectors
    }
}

extension Spire_Api_Types_EntryMask {
    /// Whether the mask names at least one field.
    var namesAField: Bool { self != Spire_Api_Types_EntryMask() }
}

extension Spire_Api_Types_Entry {
    /// The entry with only the fields `mask` names (and the ID); a `nil` mask keeps every field, as SPIRE does.
    func masked(_ mask: Spire_Api_Types_EntryMask?) -> Spire_Api_Types_Entry {
        guard let mask else { return self }
        var entry = Spire_Api_Types_Entry()
        entry.id = id
        if mask.spiffeID { entry.spiffeID = spiffeID }
        if mask.parentID { entry.parentID = parentID }
        if mask.selectors { entry.selectors = selectors }
        if mask.x509SvidTtl { entry.x509SvidTtl = x509SvidTtl }
        if mask.federatesWith { entry.federatesWith = federatesWith }
        if mask.admin { entry.admin = admin }
        if mask.downstream { entry.downstream = downstream }
        if mask.expiresAt { entry.expiresAt = expiresAt }
        if mask.dnsNames { entry.dnsNames = dnsNames }
        if mask.revisionNumber { entry.revisionNumber = revisionNumber }
        if mask.storeSvid { entry.storeSvid = storeSvid }
        if mask.jwtSvidTtl { entry.jwtSvidTtl = jwtSvidTtl }
        if mask.hint { entry.hint = hint }
        if mask.createdAt { entry.createdAt = createdAt }
        if mask.additionalAttributes { entry.additionalAttributes = additionalAttributes }
        return entry
    }
}

extension Selector {
    var spireProto: Spire_Api_Types_Selector {
        var proto = Spire_Api_Types_Selector()
        proto.type = type
        proto.value = value
        return proto
    }
}
