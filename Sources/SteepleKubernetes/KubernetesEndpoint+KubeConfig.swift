import Yams

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

extension KubernetesEndpoint {
    /// The API server of a kubeconfig file's current context (`current-context`, or its only context): the
    /// cluster's `server`, `certificate-authority(-data)` and `insecure-skip-tls-verify`; the user's `token`,
    /// `tokenFile` or `client-certificate(-data)` with `client-key(-data)`. Relative paths are taken from the file's
    /// directory, as kubectl does. Exec and auth-provider plugins are refused with a clear error.
    public init(kubeConfigFile path: String) throws(KubernetesError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KubernetesError("cannot read the kubeconfig file \(path)")
        }
        let document: Any?
        do {
            document = try Yams.load(yaml: String(decoding: data, as: UTF8.self))
        } catch {
            throw KubernetesError("the kubeconfig file \(path) is not YAML: \(error)")
        }
        guard let root = document as? [String: Any] else {
            throw KubernetesError("the kubeconfig file \(path) is not a kubeconfig (expected a mapping with clusters, users and contexts)")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        func named(_ list: String, _ name: String) throws(KubernetesError) -> [String: Any] {
            let items = root[list] as? [[String: Any]] ?? []
            let key = String(list.dropLast())
            guard let item = items.first(where: { $0["name"] as? String == name }), let body = item[key] as? [String: Any] else {
                throw KubernetesError("kubeconfig \(path): no \(key) named \"\(name)\" in \(list)")
            }
            return body
        }
        let contexts = root["contexts"] as? [[String: Any]] ?? []
        let contextName: String
        if let current = root["current-context"] as? String, !current.isEmpty {
            contextName = current
        } else if contexts.count == 1, let only = contexts[0]["name"] as? String {
            contextName = only
        } else {
            throw KubernetesError("kubeconfig \(path): no current-context: set current-context to one of the contexts")
        }
        let context = try named("contexts", contextName)
        guard let clusterName = context["cluster"] as? String else {
            throw KubernetesError("kubeconfig \(path): context \"\(contextName)\" names no cluster")
        }
        let cluster = try named("clusters", clusterName)
        guard let serverText = cluster["server"] as? String, let server = URL(string: serverText), server.scheme != nil, server.host != nil else {
            throw KubernetesError("kubeconfig \(path): cluster \"\(clusterName)\" has no server URL such as https://10.0.0.1:6443")
        }
        func file(_ value: String) -> String { value.hasPrefix("/") ? value : directory + "/" + value }
        func bytes(_ body: [String: Any], data: String, file key: String, what: String) throws(KubernetesError) -> [UInt8]? {
            if let encoded = body[data] as? String {
                guard let decoded = Data(base64Encoded: encoded.filter { !$0.isWhitespace }) else {
                    throw KubernetesError("kubeconfig \(path): \(data) of \(what) is not base64")
                }
                return Array(decoded)
            }
            if let name = body[key] as? String {
                guard let contents = FileManager.default.contents(atPath: file(name)) else {
                    throw KubernetesError("kubeconfig \(path): cannot read \(key) \(file(name)) of \(what)")
                }
                return Array(contents)
            }
            return nil
        }
        let ca = try bytes(cluster, data: "certificate-authority-data", file: "certificate-authority", what: "cluster \"\(clusterName)\"")
        let insecure = cluster["insecure-skip-tls-verify"] as? Bool ?? false

        var credentials = Credentials.none
        if let userName = context["user"] as? String {
            let user = try named("users", userName)
            let what = "user \"\(userName)\""
            if user["exec"] != nil || user["auth-provider"] != nil {
                throw KubernetesError("kubeconfig \(path): \(what) uses an exec or auth-provider plugin, which Steeple does not run: give it a token, tokenFile or client certificate")
            }
            if let token = user["token"] as? String, !token.isEmpty {
                credentials = .bearerToken(token)
            } else if let tokenFile = user["tokenFile"] as? String, !tokenFile.isEmpty {
                credentials = .bearerTokenFile(file(tokenFile))
            } else if let certificate = try bytes(user, data: "client-certificate-data", file: "client-certificate", what: what) {
                guard let key = try bytes(user, data: "client-key-data", file: "client-key", what: what) else {
                    throw KubernetesError("kubeconfig \(path): \(what) has a client certificate and no client-key or client-key-data")
                }
                credentials = .clientCertificate(certificatePEM: certificate, keyPEM: key)
            }
        }
        self.init(server: server, certificateAuthorityPEM: ca, insecureSkipTLSVerify: insecure, credentials: credentials)
    }
}

extension KubernetesEndpoint {
    /// The API server from `kubeConfigFile` when one is given, else as a pod reaches it (SPIRE's rule for
    /// `kube_config_file` and `kube_config_file_path`: empty means in-cluster).
    public static func fromKubeConfigOrInCluster(
        _ kubeConfigFile: String?, environment: [String: String]
    ) throws(KubernetesError) -> KubernetesEndpoint {
        if let kubeConfigFile { return try KubernetesEndpoint(kubeConfigFile: kubeConfigFile) }
        return try inCluster(environment: environment)
    }
}

extension KubernetesEndpoint {
    /// The API server as controller-runtime's `GetConfig` finds it (what SPIRE's `k8s` workload attestor uses for
    /// namespace labels): the first file of `KUBECONFIG`, else in-cluster, else `$HOME/.kube/config`.
    public static func controllerRuntimeDefault(environment: [String: String]) throws(KubernetesError) -> KubernetesEndpoint {
        if let list = environment["KUBECONFIG"], let first = list.split(separator: ":").first, !first.isEmpty {
            return try KubernetesEndpoint(kubeConfigFile: String(first))
        }
        if environment["KUBERNETES_SERVICE_HOST"] != nil {
            return try inCluster(environment: environment)
        }
        if let home = environment["HOME"], FileManager.default.fileExists(atPath: home + "/.kube/config") {
            return try KubernetesEndpoint(kubeConfigFile: home + "/.kube/config")
        }
        throw KubernetesError("unable to load Kubernetes client config: set KUBECONFIG, run in a pod, or provide $HOME/.kube/config")
    }
}
