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

/// SPIRE's Bundle API (`spire.api.server.bundle.v1.Bundle`): the own bundle as the CA publishes it, and the
/// federated bundles in the store, with SPIRE's messages and per-item statuses.
struct SPIREBundleService: Spire_Api_Server_Bundle_V1_Bundle.SimpleServiceProtocol {
    let admin: AdminAPIService
    /// Where AppendBundle adds authorities: the CA, which composes the own bundle.
    let appender: any BundleAppending

    func countBundles(request _: Spire_Api_Server_Bundle_V1_CountBundlesRequest, context _: ServerContext) async throws -> Spire_Api_Server_Bundle_V1_CountBundlesResponse {
        var response = Spire_Api_Server_Bundle_V1_CountBundlesResponse()
        response.count = Int32(clamping: try await admin.bundles.countBundles())
        return response
    }

    func getBundle(request: Spire_Api_Server_Bundle_V1_GetBundleRequest, context _: ServerContext) async throws -> Spire_Api_Types_Bundle {
        admin.trustBundle.spireBundle.masked(request.hasOutputMask ? request.outputMask : nil)
    }

    /// Adds X.509 and JWT authorities to the own trust domain's bundle; the CA publishes them beside its own until
    /// they expire (or, for a JWT key, until `localauthority jwt taint` and `revoke`).
    func appendBundle(request: Spire_Api_Server_Bundle_V1_AppendBundleRequest, context _: ServerContext) async throws -> Spire_Api_Types_Bundle {
        guard !request.x509Authorities.isEmpty || !request.jwtAuthorities.isEmpty else {
            throw RPCError(code: .invalidArgument, message: "no authorities to append")
        }
        var parsed = SPIFFEBundle(trustDomain: admin.trustDomain)
        var proto = Spire_Api_Types_Bundle()
        proto.x509Authorities = request.x509Authorities
        proto.jwtAuthorities = request.jwtAuthorities
        for (part, mask) in [("JWT", Self.jwtOnly), ("X.509", Self.x509Only)] {
            do {
                try parsed.apply(spireBundle: proto, mask: mask)
            } catch {
                throw RPCError(code: .invalidArgument, message: "failed to convert \(part) authority: \(error.message)")
            }
        }
        var keys: [String: AppendedAuthorities.JWTKey] = [:]
        for authority in request.jwtAuthorities {
            keys[authority.keyID] = AppendedAuthorities.JWTKey(
                publicKey: parsed.jwtAuthorities[authority.keyID]!,
                expiresAt: authority.expiresAt > 0 ? Date(timeIntervalSince1970: TimeInterval(authority.expiresAt)) : nil)
        }
        do {
            _ = try await appender.append(x509: parsed.x509Authorities, jwt: keys)
            admin.changes.poke()  // agents get the new bundle at once
        } catch let refusal as LocalAuthorityRefusal {
            throw RPCError(code: .invalidArgument, message: "failed to append bundle: " + refusal.message)
        }
        return admin.trustBundle.spireBundle.masked(request.hasOutputMask ? request.outputMask : nil)
    }

    private static let jwtOnly: Spire_Api_Types_BundleMask = {
        var mask = Spire_Api_Types_BundleMask()
        mask.jwtAuthorities = true
        return mask
    }()

    private static let x509Only: Spire_Api_Types_BundleMask = {
        var mask = Spire_Api_Types_BundleMask()
        mask.x509Authorities = true
        return mask
    }()

    /// Downstream servers only (authorization lets no one else reach it): a nested server's new JWT key joins this
    /// trust domain's bundle until it expires, so that every relying party can verify what it signs; the answer is
    /// every JWT authority the bundle then holds, as SPIRE answers.
    func publishJWTAuthority(request: Spire_Api_Server_Bundle_V1_PublishJWTAuthorityRequest, context _: ServerContext) async throws -> Spire_Api_Server_Bundle_V1_PublishJWTAuthorityResponse {
        guard request.hasJwtAuthority else { throw RPCError(code: .invalidArgument, message: "missing JWT authority") }
        let authority = request.jwtAuthority
        var proto = Spire_Api_Types_Bundle()
        proto.jwtAuthorities = [authority]
        var parsed = SPIFFEBundle(trustDomain: admin.trustDomain)
        do {
            try parsed.apply(proto, mask: Self.jwtOnly)
        } catch {
            throw RPCError(code: .invalidArgument, message: "invalid JWT authority: \(error.message)")
        }
        guard authority.expiresAt > 0 else {
            throw RPCError(code: .invalidArgument, message: "invalid JWT authority: expires_at is required (a published key leaves the bundle when it expires)")
        }
        let key = AppendedAuthorities.JWTKey(publicKey: parsed.jwtAuthorities[authority.keyID]!, expiresAt: Date(timeIntervalSince1970: TimeInterval(authority.expiresAt)))
        let published: [String: Certificate.PublicKey]
        do {
            published = try await appender.publishDownstreamJWTKey(keyID: authority.keyID, key: key)
            admin.changes.poke()  // agents get the new key at once
        } catch let refusal as LocalAuthorityRefusal {
            throw RPCError(code: .invalidArgument, message: "failed to publish JWT key: " + refusal.message)
        } catch let error as CAError {
            throw RPCError(code: .internalError, message: "failed to publish JWT key: " + error.message)
        }
        var response = Spire_Api_Server_Bundle_V1_PublishJWTAuthorityResponse()
        response.jwtAuthorities = SPIFFEBundle(trustDomain: admin.trustDomain, jwtAuthorities: published).spireProto.jwtAuthorities
        return response
    }

    func listFederatedBundles(request: Spire_Api_Server_Bundle_V1_ListFederatedBundlesRequest, context _: ServerContext) async throws -> Spire_Api_Server_Bundle_V1_ListFederatedBundlesResponse {
        let pagination = try SPIREPageToken.pagination(request.pageToken, size: request.pageSize, .bundles)
        let page = try await admin.bundles.listBundles(pagination: pagination)
        let mask = request.hasOutputMask ? request.outputMask : nil
        var response = Spire_Api_Server_Bundle_V1_ListFederatedBundlesResponse()
        for record in page.items where record.trustDomain != admin.trustDomain {
            response.bundles.append(try Self.bundle(record).spireProto.masked(mask))
        }
        response.nextPageToken = SPIREPageToken.encode(page.nextToken, .bundles)
        return response
    }

    func getFederatedBundle(request: Spire_Api_Server_Bundle_V1_GetFederatedBundleRequest, context _: ServerContext) async throws -> Spire_Api_Types_Bundle {
        let trustDomain: TrustDomain
        do {
            trustDomain = try TrustDomain(request.trustDomain)
        } catch {
            throw RPCError(error, prefix: "trust domain argument is not valid")
        }
        guard trustDomain != admin.trustDomain else {
            throw RPCError(code: .invalidArgument, message: "getting a federated bundle for the server's own trust domain is not allowed")
        }
        guard let record = try await admin.bundles.fetchBundle(trustDomain: trustDomain) else {
            throw RPCError(code: .notFound, message: "bundle not found")
        }
        return try Self.bundle(record).spireProto.masked(request.hasOutputMask ? request.outputMask : nil)
    }

    func batchCreateFederatedBundle(
        request: Spire_Api_Server_Bundle_V1_BatchCreateFederatedBundleRequest,
        context _: ServerContext
    ) async throws -> Spire_Api_Server_Bundle_V1_BatchCreateFederatedBundleResponse {
        var response = Spire_Api_Server_Bundle_V1_BatchCreateFederatedBundleResponse()
        for proto in request.bundle {
            var result = Spire_Api_Server_Bundle_V1_BatchCreateFederatedBundleResponse.Result()
            (result.status, result.bundle) = await write(proto, mask: request.hasOutputMask ? request.outputMask : nil, action: ("creating", "create")) { bundle throws(DatastoreError) in
                try await admin.bundles.createBundle(bundle.record).value
            }
            response.results.append(result)
        }
        admin.changes.poke()
        return response
    }

    func batchUpdateFederatedBundle(
        request: Spire_Api_Server_Bundle_V1_BatchUpdateFederatedBundleRequest,
        context _: ServerContext
    ) async throws -> Spire_Api_Server_Bundle_V1_BatchUpdateFederatedBundleResponse {
        var response = Spire_Api_Server_Bundle_V1_BatchUpdateFederatedBundleResponse()
        let inputMask = request.hasInputMask ? request.inputMask : nil
        for proto in request.bundle {
            var result = Spire_Api_Server_Bundle_V1_BatchUpdateFederatedBundleResponse.Result()
            (result.status, result.bundle) = await write(proto, mask: request.hasOutputMask ? request.outputMask : nil, action: ("updating", "update")) { bundle throws(DatastoreError) in
                guard let stored = try await admin.bundles.fetchBundle(trustDomain: bundle.trustDomain) else {
                    throw DatastoreError(code: .notFound, message: "bundle not found")
                }
                var updated = try Self.bundle(stored)
                do {
                    try updated.apply(proto, mask: inputMask)
                } catch let error as APIRefusal {
                    throw DatastoreError(code: .invalidArgument, message: error.message)
                } catch {
                    throw DatastoreError(code: .invalidArgument, message: "\(error)")
                }
                return try await admin.bundles.updateBundle(updated.record).value
            }
            response.results.append(result)
        }
        admin.changes.poke()
        return response
    }

    func batchSetFederatedBundle(
        request: Spire_Api_Server_Bundle_V1_BatchSetFederatedBundleRequest,
        context _: ServerContext
    ) async throws -> Spire_Api_Server_Bundle_V1_BatchSetFederatedBundleResponse {
        var response = Spire_Api_Server_Bundle_V1_BatchSetFederatedBundleResponse()
        for proto in request.bundle {
            var result = Spire_Api_Server_Bundle_V1_BatchSetFederatedBundleResponse.Result()
            (result.status, result.bundle) = await write(proto, mask: request.hasOutputMask ? request.outputMask : nil, action: ("setting", "set")) { bundle throws(DatastoreError) in
                try await admin.bundles.setBundle(bundle.record).value
            }
            response.results.append(result)
        }
        admin.changes.poke()
        return response
    }

    /// Deletes bundles; `mode` says what happens to entries that federate with them: RESTRICT refuses while there
    /// are any, DELETE deletes them, DISSOCIATE removes the trust domain from them.
    func batchDeleteFederatedBundle(
        request: Spire_Api_Server_Bundle_V1_BatchDeleteFederatedBundleRequest,
        context: ServerContext
    ) async throws -> Spire_Api_Server_Bundle_V1_BatchDeleteFederatedBundleResponse {
        var response = Spire_Api_Server_Bundle_V1_BatchDeleteFederatedBundleResponse()
        for name in request.trustDomains {
            var result = Spire_Api_Server_Bundle_V1_BatchDeleteFederatedBundleResponse.Result()
            result.trustDomain = name
            do {
                let trustDomain: TrustDomain
                do {
                    trustDomain = try TrustDomain(name)
                } catch {
                    throw RPCError(error, prefix: "malformed trust domain")
                }
                guard trustDomain != admin.trustDomain else {
                    throw RPCError(code: .invalidArgument, message: "removing the bundle for the server trust domain is not allowed")
                }
                guard try await admin.bundles.fetchBundle(trustDomain: trustDomain) != nil else {
                    throw RPCError(code: .notFound, message: "bundle not found")
                }
                switch request.mode {
                case .delete, .dissociate: try await release(trustDomain, delete: request.mode == .delete, context: context)
                default: break
                }
                _ = try await admin.bundles.deleteBundle(trustDomain: trustDomain)
                result.status = .ok
            } catch let error as RPCError {
                result.status = Spire_Api_Types_Status(code: error.code, message: error.message)
            } catch {
                result.status = Spire_Api_Types_Status(error, prefix: "failed to delete federated bundle")
            }
            response.results.append(result)
        }
        admin.changes.poke()
        return response
    }

    /// Deletes the entries that federate with `trustDomain`, or removes it from their federates_with.
    private func release(_ trustDomain: TrustDomain, delete: Bool, context: ServerContext) async throws {
        let query = RegistrationEntryQuery(federatesWith: TrustDomainMatch([trustDomain], mode: .superset))
        var changed: [(id: String, done: Bool)] = []
        for var entry in try await admin.entryStore.listEntries(query) {
            if delete {
                _ = try await admin.entryStore.deleteEntry(id: entry.id)
            } else {
                entry.federatesWith.removeAll { $0 == trustDomain }
                _ = try await admin.entryStore.updateEntry(entry)
            }
            changed.append((entry.id, true))
        }
        admin.audit(delete ? "entries deleted with their federated bundle" : "entries dissociated from a deleted federated bundle", changed, context)
    }

    /// Converts and checks one bundle of a batch, then stores it with `store`: its status and, on success, the
    /// stored bundle masked.
    private func write(
        _ proto: Spire_Api_Types_Bundle,
        mask: Spire_Api_Types_BundleMask?,
        action: (gerund: String, verb: String),
        store: (SPIFFEBundle) async throws(DatastoreError) -> BundleRecord
    ) async -> (Spire_Api_Types_Status, Spire_Api_Types_Bundle) {
        let bundle: SPIFFEBundle
        do {
            bundle = try SPIFFEBundle(spire: proto)
        } catch {
            return (Spire_Api_Types_Status(error, prefix: "failed to convert bundle"), Spire_Api_Types_Bundle())
        }
        guard bundle.trustDomain != admin.trustDomain else {
            return (Spire_Api_Types_Status(code: .invalidArgument, message: "\(action.gerund) a federated bundle for the server's own trust domain is not allowed"), Spire_Api_Types_Bundle())
        }
        do {
            let stored = try await store(bundle)
            return (.ok, try Self.bundle(stored).spireProto.masked(mask))
        } catch where error.code == .alreadyExists {
            return (Spire_Api_Types_Status(code: .alreadyExists, message: "bundle already exists"), Spire_Api_Types_Bundle())
        } catch where error.code == .notFound {
            return (Spire_Api_Types_Status(code: .notFound, message: "bundle not found"), Spire_Api_Types_Bundle())
        } catch {
            return (Spire_Api_Types_Status(error, prefix: "failed to \(action.verb) bundle"), Spire_Api_Types_Bundle())
        }
    }

    /// A stored bundle, parsed.
    private static func bundle(_ record: BundleRecord) throws(DatastoreError) -> SPIFFEBundle {
        do {
            return try SPIFFEBundle(trustDomain: record.trustDomain, json: record.document)
        } catch {
            throw DatastoreError(code: .corruptRecord, message: "stored bundle of \(record.trustDomain.name) does not parse: \(error.message)")
        }
    }
}
