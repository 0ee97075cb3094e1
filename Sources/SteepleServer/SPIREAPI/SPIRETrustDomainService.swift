import GRPCCore
import SPIFFE
import SPIREAPIProto
import SteepleDatastore
import SwiftProtobuf

/// SPIRE's TrustDomain API (`spire.api.server.trustdomain.v1.TrustDomain`): the federation relationships stored in
/// the datastore, and bundle refreshes on demand. Relationships from `server.conf` are not listed (as in SPIRE) but
/// can be refreshed.
///
/// Where SPIRE's answer is an accident of its SQL layer, this follows its proto instead: a duplicate create is
/// `AlreadyExists` (SPIRE: `Internal` with the SQL constraint's text) and an update of a missing relationship is
/// `NotFound` (SPIRE: `Internal`).
struct SPIRETrustDomainService: Spire_Api_Server_Trustdomain_V1_TrustDomain.SimpleServiceProtocol {
    let trustDomain: TrustDomain
    let relationships: any FederationRelationshipStore
    let bundles: any BundleStore
    let refresher: any FederatedBundleRefreshing
    /// Told when a relationship's bundle was stored with it.
    let changes: any ChangeNotifier

    func listFederationRelationships(
        request: Spire_Api_Server_Trustdomain_V1_ListFederationRelationshipsRequest,
        context _: ServerContext
    ) async throws -> Spire_Api_Server_Trustdomain_V1_ListFederationRelationshipsResponse {
        let pagination = try SPIREPageToken.pagination(request.pageToken, size: request.pageSize, .federationRelationships)
        let page: Page<FederationRelationship>
        do {
            page = try await relationships.listFederationRelationships(pagination: pagination)
        } catch {
            throw RPCError(error, prefix: "failed to list federation relationships")
        }
        let mask = request.hasOutputMask ? request.outputMask : nil
        var response = Spire_Api_Server_Trustdomain_V1_ListFederationRelationshipsResponse()
        for relationship in page.items {
            let bundle = try await storedBundle(relationship.trustDomain, wanted: mask?.trustDomainBundle ?? true)
            response.federationRelationships.append(SPIREFederationRelationship.proto(relationship, bundle: bundle, mask: mask))
        }
        response.nextPageToken = SPIREPageToken.encode(page.nextToken, .federationRelationships)
        return response
    }

    func getFederationRelationship(
        request: Spire_Api_Server_Trustdomain_V1_GetFederationRelationshipRequest,
        context _: ServerContext
    ) async throws -> Spire_Api_Types_FederationRelationship {
        let foreign = try Self.trustDomain(request.trustDomain)
        let relationship: FederationRelationship?
        do {
            relationship = try await relationships.fetchFederationRelationship(trustDomain: foreign)
        } catch {
            throw RPCError(error, prefix: "failed to fetch federation relationship")
        }
        guard let relationship else {
            throw RPCError(code: .notFound, message: "federation relationship does not exist")
        }
        let mask = request.hasOutputMask ? request.outputMask : nil
        let bundle = try await storedBundle(foreign, wanted: mask?.trustDomainBundle ?? true)
        return SPIREFederationRelationship.proto(relationship, bundle: bundle, mask: mask)
    }

    func batchCreateFederationRelationship(
        request: Spire_Api_Server_Trustdomain_V1_BatchCreateFederationRelationshipRequest,
        context _: ServerContext
    ) async throws -> Spire_Api_Server_Trustdomain_V1_BatchCreateFederationRelationshipResponse {
        let mask = request.hasOutputMask ? request.outputMask : nil
        var response = Spire_Api_Server_Trustdomain_V1_BatchCreateFederationRelationshipResponse()
        for proto in request.federationRelationships {
            var result = Spire_Api_Server_Trustdomain_V1_BatchCreateFederationRelationshipResponse.Result()
            do {
                let (relationship, bundle) = try parse(proto)
                guard relationship.trustDomain != trustDomain else {
                    throw APIRefusal(.invalidRequest, "unable to create federation relationship for server trust domain")
                }
                do {
                    _ = try await relationships.createFederationRelationship(relationship, bundle: bundle?.record)
                } catch where error.code == .alreadyExists {
                    throw RPCError(code: .alreadyExists, message: "failed to create federation relationship: a relationship with \(relationship.trustDomain.name) exists: update or delete it")
                } catch {
                    throw RPCError(error, prefix: "failed to create federation relationship")
                }
                result.status = .ok
                result.federationRelationship = SPIREFederationRelationship.proto(relationship, bundle: bundle, mask: mask)
            } catch {
                result.status = Spire_Api_Types_Status(rpc: error)
            }
            response.results.append(result)
        }
        relationshipsWritten(response.results.map(\.status))
        return response
    }

    func batchUpdateFederationRelationship(
        request: Spire_Api_Server_Trustdomain_V1_BatchUpdateFederationRelationshipRequest,
        context _: ServerContext
    ) async throws -> Spire_Api_Server_Trustdomain_V1_BatchUpdateFederationRelationshipResponse {
        let inputMask = request.hasInputMask ? request.inputMask : nil
        let outputMask = request.hasOutputMask ? request.outputMask : nil
        var response = Spire_Api_Server_Trustdomain_V1_BatchUpdateFederationRelationshipResponse()
        for proto in request.federationRelationships {
            var result = Spire_Api_Server_Trustdomain_V1_BatchUpdateFederationRelationshipResponse.Result()
            do {
                let (requested, bundle) = try parse(proto)
                let stored: FederationRelationship?
                do {
                    stored = try await relationships.fetchFederationRelationship(trustDomain: requested.trustDomain)
                } catch {
                    throw RPCError(error, prefix: "failed to update federation relationship")
                }
                guard var updated = stored else {
                    throw RPCError(code: .notFound, message: "failed to update federation relationship: no relationship with \(requested.trustDomain.name): create it first")
                }
                if inputMask?.bundleEndpointURL ?? true { updated.bundleEndpointURL = requested.bundleEndpointURL }
                if inputMask?.bundleEndpointProfile ?? true { updated.profile = requested.profile }
                let newBundle = (inputMask?.trustDomainBundle ?? true) ? bundle : nil
                do {
                    _ = try await relationships.updateFederationRelationship(updated, bundle: newBundle?.record)
                } catch {
                    throw RPCError(error, prefix: "failed to update federation relationship")
                }
                result.status = .ok
                let current = try await storedBundle(updated.trustDomain, wanted: outputMask?.trustDomainBundle ?? true)
                result.federationRelationship = SPIREFederationRelationship.proto(updated, bundle: current, mask: outputMask)
            } catch {
                result.status = Spire_Api_Types_Status(rpc: error)
            }
            response.results.append(result)
        }
        relationshipsWritten(response.results.map(\.status))
        return response
    }

    func batchDeleteFederationRelationship(
        request: Spire_Api_Server_Trustdomain_V1_BatchDeleteFederationRelationshipRequest,
        context _: ServerContext
    ) async throws -> Spire_Api_Server_Trustdomain_V1_BatchDeleteFederationRelationshipResponse {
        var response = Spire_Api_Server_Trustdomain_V1_BatchDeleteFederationRelationshipResponse()
        for name in request.trustDomains {
            var result = Spire_Api_Server_Trustdomain_V1_BatchDeleteFederationRelationshipResponse.Result()
            result.trustDomain = name
            do {
                guard !name.isEmpty else { throw APIRefusal(.invalidRequest, "missing trust domain") }
                let foreign = try Self.trustDomain(name)
                result.trustDomain = foreign.name
                do {
                    _ = try await relationships.deleteFederationRelationship(trustDomain: foreign)
                } catch where error.code == .notFound {
                    throw RPCError(code: .notFound, message: "federation relationship not found")
                } catch {
                    throw RPCError(error, prefix: "failed to delete federation relationship")
                }
                result.status = .ok
            } catch {
                result.status = Spire_Api_Types_Status(rpc: error)
            }
            response.results.append(result)
        }
        relationshipsWritten(response.results.map(\.status))
        return response
    }

    func refreshBundle(
        request: Spire_Api_Server_Trustdomain_V1_RefreshBundleRequest,
        context _: ServerContext
    ) async throws -> Google_Protobuf_Empty {
        let foreign = try Self.trustDomain(request.trustDomain)
        let managed: Bool
        do {
            managed = try await refresher.refreshBundle(of: foreign)
        } catch {
            throw RPCError(code: .internalError, message: "failed to refresh bundle: \(error.message)")
        }
        guard managed else {
            throw RPCError(code: .notFound, message: "no relationship with trust domain \"\(foreign.name)\"")
        }
        return Google_Protobuf_Empty()
    }

    private func parse(_ proto: Spire_Api_Types_FederationRelationship) throws -> (FederationRelationship, SPIFFEBundle?) {
        do {
            return try SPIREFederationRelationship.parse(proto)
        } catch {
            throw RPCError(code: .invalidArgument, message: "failed to convert federation relationship: \(error.message)")
        }
    }

    /// The stored bundle of `foreign` when the answer includes it.
    private func storedBundle(_ foreign: TrustDomain, wanted: Bool) async throws -> SPIFFEBundle? {
        guard wanted else { return nil }
        do {
            guard let record = try await bundles.fetchBundle(trustDomain: foreign) else { return nil }
            return try SPIFFEBundle(trustDomain: record.trustDomain, json: record.document)
        } catch {
            throw RPCError(code: .internalError, message: "failed to convert datastore response: bundle of \(foreign.name): \(error)")
        }
    }

    /// After a batch: when anything was written, the refresher re-reads the relationships and the index hears of
    /// bundles stored with them.
    private func relationshipsWritten(_ statuses: [Spire_Api_Types_Status]) {
        guard statuses.contains(where: \.isOK) else { return }
        refresher.relationshipsChanged()
        changes.poke()
    }

    private static func trustDomain(_ text: String) throws -> TrustDomain {
        do {
            return try TrustDomain(text)
        } catch {
            throw RPCError(code: .invalidArgument, message: "failed to parse trust domain: \(error.message)")
        }
    }
}
