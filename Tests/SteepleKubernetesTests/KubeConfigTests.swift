import Foundation
import SteepleKubernetes
import Testing

/// kubeconfig files as kubectl writes them, and the in-cluster configuration.
struct KubeConfigTests {
    let directory = NSTemporaryDirectory() + "steeple-kubeconfig-\(UUID().uuidString.prefix(8))"

    func write(_ name: String, _ text: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
        return directory + "/" + name
    }

    @Test("the current context's cluster and user: inline CA data and token, or files relative to the kubeconfig")
    func currentContext() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try write("ca.pem", "CA PEM")
        _ = try write("token", "file-token\n")
        let path = try write("config", """
        apiVersion: v1
        kind: Config
        current-context: second
        clusters:
        - name: one
          cluster: {server: "https://10.0.0.1:6443", certificate-authority-data: \(Data("INLINE CA".utf8).base64EncodedString())}
        - name: two
          cluster:
            server: https://k8s.example.org
            certificate-authority: ca.pem
        users:
        - name: a
          user: {token: inline-token}
        - name: b
          user: {tokenFile: token}
        contexts:
        - {name: first, context: {cluster: one, user: a}}
        - {name: second, context: {cluster: two, user: b}}
        """)
        let endpoint = try KubernetesEndpoint(kubeConfigFile: path)
        #expect(endpoint.server.absoluteString == "https://k8s.example.org")
        #expect(endpoint.certificateAuthorityPEM == Array("CA PEM".utf8))
        #expect(endpoint.credentials == .bearerTokenFile(directory + "/token"))

        let first = try write("first", try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "current-context: second", with: "current-context: first"))
        let inline = try KubernetesEndpoint(kubeConfigFile: first)
        #expect(inline.server.absoluteString == "https://10.0.0.1:6443" && inline.certificateAuthorityPEM == Array("INLINE CA".utf8))
        #expect(inline.credentials == .bearerToken("inline-token"))
    }

    @Test("errors name the file and what to fix")
    func errors() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(throws: KubernetesError("cannot read the kubeconfig file /nonexistent/kubeconfig")) { try KubernetesEndpoint(kubeConfigFile: "/nonexistent/kubeconfig") }
        let exec = try write("exec", """
        clusters: [{name: c, cluster: {server: "https://c"}}]
        users: [{name: u, user: {exec: {command: aws}}}]
        contexts: [{name: x, context: {cluster: c, user: u}}]
        """)
        #expect { try KubernetesEndpoint(kubeConfigFile: exec) } throws: { ($0 as? KubernetesError)?.message.contains("exec or auth-provider plugin") == true }
        let missing = try write("missing", "clusters: []\ncontexts: [{name: x, context: {cluster: gone}}]\n")
        #expect { try KubernetesEndpoint(kubeConfigFile: missing) } throws: { ($0 as? KubernetesError)?.message.contains("no cluster named \"gone\"") == true }
    }

    @Test("in-cluster: KUBERNETES_SERVICE_HOST and _PORT with the service account's token and CA")
    func inCluster() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try write("token", "sa-token")
        _ = try write("ca.crt", "CLUSTER CA")
        let endpoint = try KubernetesEndpoint.inCluster(environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"], serviceAccountDirectory: directory)
        #expect(endpoint.server.absoluteString == "https://10.96.0.1:443")
        #expect(endpoint.credentials == .bearerTokenFile(directory + "/token"))
        #expect(endpoint.certificateAuthorityPEM == Array("CLUSTER CA".utf8))
        #expect { try KubernetesEndpoint.inCluster(environment: [:], serviceAccountDirectory: directory) } throws: {
            ($0 as? KubernetesError)?.message.contains("KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined") == true
        }
    }
}
