package import SteepleKubernetes

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension AgentConfiguration {
    /// `WorkloadAttestor "k8s" { plugin_data { … } }`, SPIRE's keys and defaults.
    public struct K8sWorkloadAttestorSettings: Sendable, Equatable {
        /// `kubelet_secure_port` (default 10250) or, when set, `kubelet_read_only_port` (plain HTTP on 127.0.0.1).
        public var kubeletPort = 10250
        public var secure = true
        /// `kubelet_ca_path`: the CA the kubelet's serving certificate chains to.
        public var kubeletCAPath = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"
        public var skipKubeletVerification = false
        /// `token_path`: the agent's service account token, sent to the kubelet as a bearer token.
        public var tokenPath = "/var/run/secrets/kubernetes.io/serviceaccount/token"
        /// `certificate_path` and `private_key_path`: a client certificate instead of the token.
        public var certificatePath: String?
        public var privateKeyPath: String?
        /// `use_anonymous_authentication`: neither token nor certificate.
        public var useAnonymousAuthentication = false
        /// `node_name`, else the environment variable `node_name_env` names (default `MY_NODE_NAME`): the host the
        /// secure port is reached at (and its certificate checked against).
        public var nodeName = ""
        /// `max_poll_attempts` (60) and `poll_retry_interval` (500ms): how long a pod the kubelet does not list yet
        /// is waited for.
        public var maxPollAttempts = 60
        public var pollRetryInterval: Duration = .milliseconds(500)
        /// `disable_container_selectors`: no `container-name`/`container-image` selectors.
        public var disableContainerSelectors = false
        /// `enable_namespace_labels`: `k8s:ns-label:<key>:<value>` for the pod's namespace's labels, read from the
        /// API server (`KUBECONFIG`, in-cluster, or `$HOME/.kube/config`, as SPIRE's client finds it).
        public var enableNamespaceLabels = false

        public init() {}

        /// The kubelet as these settings reach it: `https://<node_name or 127.0.0.1>:<port>` with the CA and the
        /// token or certificate, or `http://127.0.0.1:<read-only port>`.
        package func kubeletEndpoint() throws(AgentConfigurationError) -> KubernetesEndpoint {
            guard secure else {
                return KubernetesEndpoint(server: URL(string: "http://127.0.0.1:\(kubeletPort)")!)
            }
            let host = nodeName.isEmpty ? "127.0.0.1" : (nodeName.contains(":") ? "[\(nodeName)]" : nodeName)
            guard let server = URL(string: "https://\(host):\(kubeletPort)") else {
                throw AgentConfigurationError(.invalidValue, "WorkloadAttestor \"k8s\": node name \"\(nodeName)\" and port \(kubeletPort) do not form a URL")
            }
            var ca: [UInt8]?
            if !skipKubeletVerification {
                guard let data = FileManager.default.contents(atPath: kubeletCAPath) else {
                    throw AgentConfigurationError(.unreadable, "WorkloadAttestor \"k8s\": unable to load kubelet CA: cannot read kubelet_ca_path \(kubeletCAPath) (or set skip_kubelet_verification = true)")
                }
                ca = Array(data)
            }
            var credentials = KubernetesEndpoint.Credentials.none
            if let certificatePath, let privateKeyPath {
                guard let certificate = FileManager.default.contents(atPath: certificatePath), let key = FileManager.default.contents(atPath: privateKeyPath) else {
                    throw AgentConfigurationError(.unreadable, "WorkloadAttestor \"k8s\": cannot read certificate_path \(certificatePath) or private_key_path \(privateKeyPath)")
                }
                credentials = .clientCertificate(certificatePEM: Array(certificate), keyPEM: Array(key))
            } else if !useAnonymousAuthentication {
                credentials = .bearerTokenFile(tokenPath)
            }
            // Without the node's name the kubelet is reached at 127.0.0.1 and its certificate (which names the node)
            // is checked for its chain alone, as SPIRE does.
            return KubernetesEndpoint(server: server, certificateAuthorityPEM: ca, insecureSkipTLSVerify: skipKubeletVerification, credentials: credentials, verifiesHostname: !nodeName.isEmpty)
        }
    }
}
