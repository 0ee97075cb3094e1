#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A cluster's API server, for the calls Steeple makes: TokenReview, get Pod and Node (`k8s_psat`), get Namespace
/// (`k8s` namespace labels), get and patch a ConfigMap (`k8sbundle`).
public struct KubernetesAPIServer: Sendable {
    public let client: KubernetesClient

    public init(endpoint: KubernetesEndpoint) {
        client = KubernetesClient(endpoint: endpoint)
    }

    /// Reviews `token` for `audiences`; an answer with `status.error`, or authenticated for none of the audiences
    /// asked for, is an error (as SPIRE's client treats it).
    public func validateToken(_ token: String, audiences: [String]) async throws(KubernetesError) -> TokenReview.Status {
        struct Answer: Decodable { var status: TokenReview.Status? }
        let body: [UInt8]
        do {
            body = try TokenReview.requestBody(token: token, audiences: audiences)
        } catch {
            throw KubernetesError("cannot encode the TokenReview: \(error)")
        }
        let answer: Answer
        do {
            answer = try await client.post("/apis/authentication.k8s.io/v1/tokenreviews", json: body, as: Answer.self)
        } catch {
            throw KubernetesError("unable to query token review API: \(error.message)", httpStatus: error.httpStatus)
        }
        guard let status = answer.status else { throw KubernetesError("token review API response has no status") }
        guard status.error.isEmpty else {
            throw KubernetesError("token review API response contains an error: \(status.error)")
        }
        if status.authenticated, !audiences.isEmpty, !audiences.contains(where: status.audiences.contains) {
            throw KubernetesError("token review API did not validate audience: wanted one of \(Self.quoted(audiences)) but got \(Self.quoted(status.audiences))")
        }
        return status
    }

    /// `GET /api/v1/namespaces/<namespace>/pods/<name>`.
    public func pod(namespace: String, name: String) async throws(KubernetesError) -> Pod {
        guard !namespace.isEmpty else { throw KubernetesError("empty namespace") }
        guard !name.isEmpty else { throw KubernetesError("empty pod name") }
        do {
            return try await client.get("/api/v1/namespaces/\(KubernetesClient.pathSegment(namespace))/pods/\(KubernetesClient.pathSegment(name))", as: Pod.self)
        } catch {
            throw KubernetesError("unable to query pods API: \(error.message)", httpStatus: error.httpStatus)
        }
    }

    /// `GET /api/v1/nodes/<name>`.
    public func node(name: String) async throws(KubernetesError) -> Node {
        guard !name.isEmpty else { throw KubernetesError("empty node name") }
        do {
            return try await client.get("/api/v1/nodes/\(KubernetesClient.pathSegment(name))", as: Node.self)
        } catch {
            throw KubernetesError("unable to query nodes API: \(error.message)", httpStatus: error.httpStatus)
        }
    }

    /// Go's `%q` of a string list: `["a" "b"]`.
    static func quoted(_ values: [String]) -> String {
        "[" + values.map { "\"\($0)\"" }.joined(separator: " ") + "]"
    }
}


extension KubernetesAPIServer {
    /// `GET /api/v1/namespaces/<name>`.
    public func namespace(name: String) async throws(KubernetesError) -> Namespace {
        do {
            return try await client.get("/api/v1/namespaces/\(KubernetesClient.pathSegment(name))", as: Namespace.self)
        } catch {
            throw KubernetesError("unable to get namespace \"\(name)\": \(error.message)", httpStatus: error.httpStatus)
        }
    }

    /// `GET /api/v1/namespaces/<namespace>/configmaps/<name>`.
    public func configMap(namespace: String, name: String) async throws(KubernetesError) -> ConfigMap {
        try await client.get("/api/v1/namespaces/\(KubernetesClient.pathSegment(namespace))/configmaps/\(KubernetesClient.pathSegment(name))", as: ConfigMap.self)
    }

    /// Sets `data[key]` of a ConfigMap with a strategic merge patch that names the resource version read, so a
    /// concurrent writer makes it fail with `409 Conflict` rather than be overwritten (SPIRE's k8sbundle patch).
    public func setConfigMapData(namespace: String, name: String, resourceVersion: String, key: String, value: String) async throws(KubernetesError) -> ConfigMap {
        struct Patch: Encodable {
            struct Metadata: Encodable { var resourceVersion: String }
            var metadata: Metadata
            var data: [String: String]
        }
        let body: [UInt8]
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            body = Array(try encoder.encode(Patch(metadata: .init(resourceVersion: resourceVersion), data: [key: value])))
        } catch {
            throw KubernetesError("cannot encode the ConfigMap patch: \(error)")
        }
        return try await client.patch("/api/v1/namespaces/\(KubernetesClient.pathSegment(namespace))/configmaps/\(KubernetesClient.pathSegment(name))", strategicMerge: body, as: ConfigMap.self)
    }
}
