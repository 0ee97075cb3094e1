#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `authentication.k8s.io/v1` TokenReview: the request Steeple sends (`spec.token`, `spec.audiences`) and the status
/// the API server answers with.
public enum TokenReview {
    /// The JSON body of `POST /apis/authentication.k8s.io/v1/tokenreviews`.
    static func requestBody(token: String, audiences: [String]) throws -> [UInt8] {
        struct Request: Encodable {
            struct Spec: Encodable {
                var token: String
                var audiences: [String]
            }
            var apiVersion = "authentication.k8s.io/v1"
            var kind = "TokenReview"
            var spec: Spec
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(Request(spec: .init(token: token, audiences: audiences))))
    }

    /// `status` of a TokenReview answer.
    public struct Status: Sendable, Decodable, Equatable {
        public var authenticated: Bool
        public var user: UserInfo
        public var audiences: [String]
        public var error: String

        public init(authenticated: Bool, user: UserInfo, audiences: [String], error: String = "") {
            self.authenticated = authenticated
            self.user = user
            self.audiences = audiences
            self.error = error
        }

        enum CodingKeys: String, CodingKey { case authenticated, user, audiences, error }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            authenticated = try container.decodeIfPresent(Bool.self, forKey: .authenticated) ?? false
            user = try container.decodeIfPresent(UserInfo.self, forKey: .user) ?? UserInfo()
            audiences = try container.decodeIfPresent([String].self, forKey: .audiences) ?? []
            error = try container.decodeIfPresent(String.self, forKey: .error) ?? ""
        }
    }

    /// `status.user`: for a projected service account token, `username` is
    /// `system:serviceaccount:<namespace>:<name>` and `extra` holds the bound pod's name and UID.
    public struct UserInfo: Sendable, Decodable, Equatable {
        public var username: String
        public var extra: [String: [String]]

        public init(username: String = "", extra: [String: [String]] = [:]) {
            self.username = username
            self.extra = extra
        }

        enum CodingKeys: String, CodingKey { case username, extra }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            username = try container.decodeIfPresent(String.self, forKey: .username) ?? ""
            extra = try container.decodeIfPresent([String: [String]].self, forKey: .extra) ?? [:]
        }

        /// `extra` key of the pod a projected token is bound to.
        public static let podNameKey = "authentication.kubernetes.io/pod-name"
        public static let podUIDKey = "authentication.kubernetes.io/pod-uid"

        /// The namespace and service account of `system:serviceaccount:<ns>:<sa>`.
        public func serviceAccount() throws(KubernetesError) -> (namespace: String, name: String) {
            guard !username.isEmpty else { throw KubernetesError("empty username") }
            let parts = username.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 4 else { throw KubernetesError("unexpected username format: \(username)") }
            guard !parts[2].isEmpty else { throw KubernetesError("missing namespace") }
            guard !parts[3].isEmpty else { throw KubernetesError("missing service account name") }
            return (String(parts[2]), String(parts[3]))
        }

        /// The one value of `extra[key]`, named `what` (`pod name`) and `noun` (`name`) in errors (SPIRE's words).
        public func single(_ key: String, _ what: String, noun: String) throws(KubernetesError) -> String {
            guard let values = extra[key] else { throw KubernetesError("missing \(what)") }
            guard values.count == 1 else { throw KubernetesError("expected 1 \(noun) but got: \(values.count)") }
            guard !values[0].isEmpty else { throw KubernetesError("\(what) is empty") }
            return values[0]
        }
    }
}
