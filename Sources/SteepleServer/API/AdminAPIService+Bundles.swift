import GRPCCore
import SPIFFE
import SteepleDatastore
import SteepleServerAPIProto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension AdminAPIService {
    func fetchBundle(request _: Steeple_Server_V1_FetchBundleRequest, context _: GRPCCore.ServerContext) async throws -> Steeple_Server_V1_Bundle {
        Steeple_Server_V1_Bundle(trustBundle.bundle)
    }

    func listFederatedBundles(
        request _: Steeple_Server_V1_ListFederatedBundlesRequest,
        context _: GRPCCore.ServerContext
    ) async throws -> Steeple_Server_V1_ListFederatedBundlesResponse {
        var response = Steeple_Server_V1_ListFederatedBundlesResponse()
        var token: String?
        repeat {
            let page = try await bundles.listBundles(pagination: Pagination(token: token, size: 1000))
            for record in page.items where record.trustDomain != trustDomain {
                var bundle = Steeple_Server_V1_Bundle()
                bundle.trustDomain = record.trustDomain.name
                bundle.spiffeBundleJson = Data(record.document)
                bundle.sequenceNumber = record.sequenceNumber
                response.bundles.append(bundle)
            }
            token = page.nextToken
        } while token != nil
        return response
    }

    /// Stores a federated trust domain's bundle, given as a SPIFFE bundle document (validated first).
    func setFederatedBundle(request: Steeple_Server_V1_Bundle, context _: GRPCCore.ServerContext) async throws -> Steeple_Server_V1_Bundle {
        let federated: TrustDomain
        let bundle: SPIFFEBundle
        do {
            federated = try TrustDomain(request.trustDomain)
            bundle = try SPIFFEBundle(trustDomain: federated, json: request.spiffeBundleJson)
        } catch {
            throw APIRefusal(.invalidRequest, "invalid bundle for \"\(request.trustDomain)\": \(error.message)")
        }
        guard federated != trustDomain else {
            throw APIRefusal(.invalidRequest, "\(federated) is this server's own trust domain: its bundle is managed by the CA, not set")
        }
        let record = BundleRecord(trustDomain: federated, document: bundle.jsonRepresentation, sequenceNumber: bundle.sequenceNumber ?? 0)
        let stored = try await bundles.setBundle(record).value
        changes.poke()
        var response = request
        response.spiffeBundleJson = Data(stored.document)
        response.sequenceNumber = stored.sequenceNumber
        return response
    }

    func deleteFederatedBundle(
        request: Steeple_Server_V1_DeleteFederatedBundleRequest,
        context _: GRPCCore.ServerContext
    ) async throws -> Steeple_Server_V1_DeleteFederatedBundleResponse {
        let federated: TrustDomain
        do {
            federated = try TrustDomain(request.trustDomain)
        } catch {
            throw APIRefusal(.invalidRequest, "invalid trust domain \"\(request.trustDomain)\": \(error.message)")
        }
        guard federated != trustDomain else {
            throw APIRefusal(.invalidRequest, "\(federated) is this server's own trust domain: its bundle cannot be deleted")
        }
        _ = try await bundles.deleteBundle(trustDomain: federated)
        changes.poke()
        return Steeple_Server_V1_DeleteFederatedBundleResponse()
    }
}

extension Steeple_Server_V1_Bundle {
    init(_ bundle: SPIFFEBundle) {
        self.init()
        trustDomain = bundle.trustDomain.name
        spiffeBundleJson = Data(bundle.jsonRepresentation)
        sequenceNumber = bundle.sequenceNumber ?? 0
    }
}
