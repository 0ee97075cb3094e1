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
    /// Decodes an entry from the API. Fields that do not parse are refused with a message that names them.
    init(proto: Steeple_Server_V1_Entry, now: Date) throws(RPCError) {
        let spiffeID = try Self.parseID(proto.spiffeID, field: "spiffe_id")
        let parentID = try Self.parseID(proto.parentID, field: "parent_id")
        var selectors: [Selector] = []
        for selector in proto.selectors {
            do {
                selectors.append(try Selector(type: selector.type, value: selector.value))
            } catch {
                throw RPCError(code: .invalidArgument, message: "invalid selector \"\(selector.type):\(selector.value)\": \(error.message)")
            }
        }
        var federatesWith: [TrustDomain] = []
        for name in proto.federatesWith {
            do {
                federatesWith.append(try TrustDomain(name))
            } catch {
                throw RPCError(code: .invalidArgument, message: "invalid federates_with \"\(name)\": \(error.message)")
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
            expiresAt: proto.expiresAt == 0 ? nil : Date(timeIntervalSince1970: Double(proto.expiresAt)),
            dnsNames: proto.dnsNames,
            revisionNumber: proto.revisionNumber,
            storeSVID: proto.storeSvid,
            hint: proto.hint,
            createdAt: now
        )
    }

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
        proto.expiresAt = expiresAt.map { Int64($0.timeIntervalSince1970) } ?? 0
        proto.dnsNames = dnsNames
        proto.revisionNumber = revisionNumber
        proto.storeSvid = storeSVID
        proto.hint = hint
        proto.createdAt = Int64(createdAt.timeIntervalSince1970)
        return proto
    }

    static func parseID(_ string: String, field: String) throws(RPCError) -> SPIFFEID {
        guard !string.isEmpty else { throw RPCError(code: .invalidArgument, message: "\(field) is required") }
        do {
            return try SPIFFEID(string)
        } catch {
            throw RPCError(code: .invalidArgument, message: "invalid \(field) \"\(string)\": \(error.message)")
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
        proto.x509SvidExpiresAt = Int64(certNotAfter.timeIntervalSince1970)
        proto.selectors = selectors.map(\.proto)
        proto.banned = banned
        proto.canReattest = canReattest
        proto.createdAt = Int64(createdAt.timeIntervalSince1970)
        return proto
    }
}

extension DatastoreError {
    /// The gRPC status for a store failure.
    var rpcError: RPCError {
        let code: RPCError.Code
        switch self.code {
        case .notFound: code = .notFound
        case .alreadyExists: code = .alreadyExists
        case .invalidArgument: code = .invalidArgument
        case .conflict: code = .failedPrecondition
        default: code = .internalError
        }
        return RPCError(code: code, message: message)
    }
}

extension Steeple_Server_V1_Status {
    init(_ error: RPCError) {
        self.init()
        code = Int32(error.code.rawValue)
        message = error.message
    }
}
