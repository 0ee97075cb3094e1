import GRPCCore
import SPIFFE
import SPIFFECA
import SPIREAPIProto
import SteepleDatastore
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// SPIRE's SVID API (`spire.api.server.svid.v1.SVID`): for admins MintX509SVID (the ID comes from the CSR's URI
/// SAN) and MintJWTSVID, for any workload ID of the trust domain; for agents the SVIDs of their authorized entries.
struct SPIRESVIDService: Spire_Api_Server_Svid_V1_SVID.SimpleServiceProtocol {
    let admin: AdminAPIService
    let agents: AgentAPIService

    func mintX509SVID(request: Spire_Api_Server_Svid_V1_MintX509SVIDRequest, context _: ServerContext) async throws -> Spire_Api_Server_Svid_V1_MintX509SVIDResponse {
        guard !request.csr.isEmpty else { throw RPCError(code: .invalidArgument, message: "missing CSR") }
        guard request.ttl >= 0 else { throw RPCError(code: .invalidArgument, message: "ttl \(request.ttl) is negative: give seconds, or 0 for the server default") }
        let csr = Array(request.csr)
        let names: (uris: [String], dnsNames: [String])
        do {
            names = try CertificateAuthority.requestedNames(inCSR: csr)
        } catch {
            throw RPCError(error, prefix: "malformed CSR")
        }
        guard names.uris.count == 1, let uri = names.uris.first else {
            throw RPCError(code: .invalidArgument, message: names.uris.isEmpty ? "CSR URI SAN is required" : "only one URI SAN is expected")
        }
        let id: SPIFFEID
        do {
            id = try SPIFFEID(uri)
        } catch {
            throw RPCError(error, prefix: "CSR URI SAN is invalid")
        }
        try Self.checkWorkloadID(id, of: admin.trustDomain, prefix: "CSR URI SAN is invalid")
        for name in names.dnsNames {
            do {
                try EntryValidator.validateDNSName(name)
            } catch {
                throw RPCError(error, prefix: "CSR DNS name is invalid")
            }
        }
        let minted = try admin.issuer.mintX509SVID(
            MintX509SVIDRequest(spiffeID: id, csr: csr, ttl: request.ttl > 0 ? .seconds(request.ttl) : nil, dnsNames: names.dnsNames)
        )
        var response = Spire_Api_Server_Svid_V1_MintX509SVIDResponse()
        response.svid.id = Spire_Api_Types_SPIFFEID(id)
        response.svid.certChain = minted.svid.certificatesDER.map { Data($0) }
        response.svid.expiresAt = UnixTime.clampedSeconds(minted.svid.expiresAt)
        return response
    }

    func mintJWTSVID(request: Spire_Api_Server_Svid_V1_MintJWTSVIDRequest, context _: ServerContext) async throws -> Spire_Api_Server_Svid_V1_MintJWTSVIDResponse {
        guard request.hasID else { throw RPCError(code: .invalidArgument, message: "invalid SPIFFE ID: request must specify SPIFFE ID") }
        let id: SPIFFEID
        do {
            id = try SPIFFEID(request.id)
        } catch {
            throw RPCError(error, prefix: "invalid SPIFFE ID")
        }
        try Self.checkWorkloadID(id, of: admin.trustDomain, prefix: "invalid SPIFFE ID")
        guard !request.audience.isEmpty else { throw RPCError(code: .invalidArgument, message: "at least one audience is required") }
        guard request.ttl >= 0 else { throw RPCError(code: .invalidArgument, message: "ttl \(request.ttl) is negative: give seconds, or 0 for the server default") }
        let svid = try admin.issuer.issueWorkloadJWTSVID(
            WorkloadJWTSVIDRequest(spiffeID: id, audience: request.audience, ttl: request.ttl > 0 ? .seconds(request.ttl) : nil)
        )
        var response = Spire_Api_Server_Svid_V1_MintJWTSVIDResponse()
        response.svid.token = svid.token
        response.svid.id = Spire_Api_Types_SPIFFEID(id)
        response.svid.expiresAt = UnixTime.clampedSeconds(svid.expiresAt)
        response.svid.issuedAt = svid.issuedAt.map(UnixTime.clampedSeconds) ?? 0
        return response
    }

    func batchNewX509SVID(request: Spire_Api_Server_Svid_V1_BatchNewX509SVIDRequest, context _: ServerContext) async throws -> Spire_Api_Server_Svid_V1_BatchNewX509SVIDResponse {
        let node = try AuthenticatedAgent.required().node
        guard !request.params.isEmpty else { throw RPCError(code: .invalidArgument, message: "missing parameters") }
        let authorized = agents.entries.authorizedEntries(ids: request.params.map(\.entryID), for: node.spiffeID)
        var response = Spire_Api_Server_Svid_V1_BatchNewX509SVIDResponse()
        for params in request.params {
            var result = Spire_Api_Server_Svid_V1_BatchNewX509SVIDResponse.Result()
            if params.entryID.isEmpty {
                result.status = Spire_Api_Types_Status(code: .invalidArgument, message: "missing entry ID")
            } else if params.csr.isEmpty {
                result.status = Spire_Api_Types_Status(code: .invalidArgument, message: "missing CSR")
            } else if let entry = authorized[params.entryID] {
                do {
                    let svid = try agents.signX509SVID(entry: entry, id: params.entryID, csr: Array(params.csr), for: node)
                    result.svid = SPIREAgentService.x509SVID(entry.spiffeID, svid)
                    result.status = .ok
                } catch {
                    result.status = Spire_Api_Types_Status(error, prefix: "failed to sign X509-SVID")
                }
            } else {
                result.status = Spire_Api_Types_Status(code: .notFound, message: "entry not found or not authorized")
            }
            response.results.append(result)
        }
        return response
    }

    func newJWTSVID(request: Spire_Api_Server_Svid_V1_NewJWTSVIDRequest, context _: ServerContext) async throws -> Spire_Api_Server_Svid_V1_NewJWTSVIDResponse {
        let node = try AuthenticatedAgent.required().node
        guard agents.entries.authorizedEntries(ids: [request.entryID], for: node.spiffeID)[request.entryID] != nil else {
            throw RPCError(code: .notFound, message: "entry not found or not authorized")
        }
        guard !request.audience.isEmpty else { throw RPCError(code: .invalidArgument, message: "at least one audience is required") }
        let svid = try agents.signJWTSVID(entryID: request.entryID, audience: request.audience, for: node)
        var response = Spire_Api_Server_Svid_V1_NewJWTSVIDResponse()
        response.svid.token = svid.token
        response.svid.id = Spire_Api_Types_SPIFFEID(svid.subject)
        response.svid.expiresAt = UnixTime.clampedSeconds(svid.expiresAt)
        response.svid.issuedAt = svid.issuedAt.map(UnixTime.clampedSeconds) ?? 0
        return response
    }

    /// Downstream servers only (authorization lets no one else reach it: an SVID of a `-downstream` entry): signs the
    /// X.509 CA of a nested server for the key in its CSR, for the TTL it prefers (0: this server's `ca_ttl`), and
    /// returns it with the chain above it and the bundle's X.509 authorities, as SPIRE does.
    func newDownstreamX509CA(request: Spire_Api_Server_Svid_V1_NewDownstreamX509CARequest, context _: ServerContext) async throws -> Spire_Api_Server_Svid_V1_NewDownstreamX509CAResponse {
        guard !request.csr.isEmpty else { throw RPCError(code: .invalidArgument, message: "malformed CSR: the request carries none") }
        guard request.preferredTtl >= 0 else {
            throw RPCError(code: .invalidArgument, message: "preferred_ttl \(request.preferredTtl) is negative: give seconds, or 0 for the server's ca_ttl")
        }
        let chain: [Certificate]
        do {
            chain = try admin.issuer.signDownstreamX509CA(
                DownstreamX509CARequest(csr: Array(request.csr), ttl: request.preferredTtl > 0 ? .seconds(request.preferredTtl) : nil))
        } catch where error.code == .invalidCSR {
            throw RPCError(code: .invalidArgument, message: "malformed CSR: \(error.message)")
        } catch {
            throw RPCError(code: .internalError, message: "failed to sign downstream X.509 CA: \(error.message)")
        }
        var response = Spire_Api_Server_Svid_V1_NewDownstreamX509CAResponse()
        response.caCertChain = chain.map { Data($0.spiffeDERBytes) }
        response.x509Authorities = admin.trustBundle.bundle.x509Authorities.map { Data($0.spiffeDERBytes) }
        return response
    }

    /// SPIRE mints only workload IDs of its own trust domain: a path, and none of the server's reserved ones.
    private static func checkWorkloadID(_ id: SPIFFEID, of trustDomain: TrustDomain, prefix: String) throws {
        guard id.trustDomain == trustDomain else {
            throw RPCError(code: .invalidArgument, message: "\(prefix): \"\(id)\" is not a member of trust domain \"\(trustDomain.name)\"")
        }
        guard !id.path.isEmpty else {
            throw RPCError(code: .invalidArgument, message: "\(prefix): \"\(id)\" is the trust domain ID; a workload ID needs a path")
        }
        guard !EntryValidator.isReserved(id) else {
            throw RPCError(code: .invalidArgument, message: "\(prefix): \"\(id)\" is not a workload ID: /spire and the paths under it are reserved for the server and agents")
        }
    }
}
