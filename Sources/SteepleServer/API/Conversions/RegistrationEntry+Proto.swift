import GRPCCore
import SPIFFE
import SteepleDatastore
import SteepleServerAPIProto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension RegistrationEntry {
    /// Decodes an entry from the API. Fields that do not parse, counts and sizes beyond ``EntryValidator/Limits`` and times
    /// outside the years 1970 to 9999 are refused with a message that names the field, the value and the bound;
    /// the counts are checked before anything is parsed, so an oversized entry costs almost nothing.
    init(proto: Steeple_Server_V1_Entry, now: Date) throws(APIRefusal) {
        do {
            try EntryValidator.validateSizes(selectors: proto.selectors.count, dnsNames: proto.dnsNames.count, federatesWith: proto.federatesWith.count)
            for selector in proto.selectors {
                try EntryValidator.validateSelectorSize(type: selector.type, value: selector.value)
            }
        } catch {
            throw APIRefusal(.invalidRequest, error.message)
        }
        let spiffeID = try Self.parseID(proto.spiffeID, field: "spiffe_id")
        let parentID = try Self.parseID(proto.parentID, field: "parent_id")
        var selectors: [Selector] = []
        for selector in proto.selectors {
            do {
                selectors.append(try Selector(type: selector.type, value: selector.value))
            } catch {
                throw APIRefusal(.invalidRequest, "invalid selector \(EntryValidator.quoted(selector.type + ":" + selector.value)): \(error.message)")
            }
        }
        var federatesWith: [TrustDomain] = []
        for name in proto.federatesWith {
            do {
                federatesWith.append(try TrustDomain(name))
            } catch {
                throw APIRefusal(.invalidRequest, "invalid federates_with \(EntryValidator.quoted(name)): \(error.message)")
            }
        }
        var expiresAt: Date?
        if proto.expiresAt != 0 {
            do {
                expiresAt = try UnixTime(seconds: proto.expiresAt, field: "expires_at").date
            } catch {
                throw APIRefusal(.invalidRequest, error.message)
            }
        }
        self.init(
            id: proto.id.isEmpty ? UUID().uuidString.lowercased() : proto.id,
            spiffeID: spiffeID,
            parentID: parentID,
            selectors: selectors,
            x509SVIDTTL: Int(proto.x509SvidTtl),
            jwtSVIDTTL: Int(proto.jwtSvidTtl),
            federatesWith: federatesWith,
            admin: proto.admin,
            downstream: proto.downstream,
            expiresAt: expiresAt,
            dnsNames: proto.dnsNames,
            revisionNumber: proto.revisionNumber,
            storeSVID: proto.storeSvid,
            hint: proto.hint,
            createdAt: now
        )
    }

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
        return proto
    }

    static func parseID(_ string: String, field: String) throws(APIRefusal) -> SPIFFEID {
        guard !string.isEmpty else { throw APIRefusal(.invalidRequest, "\(field) is required") }
        do {
            return try SPIFFEID(string)
        } catch {
            throw APIRefusal(.invalidRequest, "invalid \(field) \(EntryValidator.quoted(string)): \(error.message)")
        }
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

extension AttestedNode {
    var proto: Steeple_Server_V1_Agent {
        var proto = Steeple_Server_V1_Agent()
        proto.spiffeID = spiffeID.string
        proto.attestationType = attestationType
        proto.x509SvidSerialNumber = certSerialNumber
        proto.x509SvidExpiresAt = UnixTime.clampedSeconds(certNotAfter)
        proto.selectors = selectors.map(\.proto)
        proto.banned = banned
        proto.canReattest = canReattest
        proto.createdAt = UnixTime.clampedSeconds(createdAt)
        return proto
    }
}


