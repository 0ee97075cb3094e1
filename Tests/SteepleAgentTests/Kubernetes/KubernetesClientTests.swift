import Foundation
import SteepleKubernetes
import SteepleTestSupport
import Testing

/// `SteepleKubernetes`' client against the fake control plane over real TLS: what it trusts and what it refuses. In
/// the Kubernetes end-to-end suite, so that its fakes run one at a time.
extension KubernetesEndToEndTests {
    @Test("a kubelet reached at 127.0.0.1 without a node name: its chain is checked against the CA, not its name; another CA's certificate is refused")
    func chainOnly() async throws {
        let fake = try FakeKubernetes()
        defer { fake.stop() }
        try await fake.start()
        let server = URL(string: "https://127.0.0.1:\(fake.kubeletPort)")!
        let ca = Array(try Data(contentsOf: URL(fileURLWithPath: fake.caPath)))
        let trusted = KubernetesClient(endpoint: KubernetesEndpoint(server: server, certificateAuthorityPEM: ca, credentials: .bearerToken(fake.kubeletToken), verifiesHostname: false))
        let list = try await trusted.get("/pods", as: PodList.self)
        #expect(list.items.isEmpty)

        let other = NSTemporaryDirectory() + "steeple-other-ca-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: other) }
        try await offCooperativePool { try LoopbackServerCertificate.make(in: other, caName: "another CA") }
        let otherCA = Array(try Data(contentsOf: URL(fileURLWithPath: other + "/ca.pem")))
        let untrusted = KubernetesClient(endpoint: KubernetesEndpoint(server: server, certificateAuthorityPEM: otherCA, credentials: .bearerToken(fake.kubeletToken), verifiesHostname: false))
        await #expect { _ = try await untrusted.get("/pods", as: PodList.self) } throws: { error in
            "\(error)".contains("TLS failed")
        }
        #expect(!fake.requests.contains("kubelet GET /pods\nkubelet GET /pods"), "the untrusted connection sent no request (and no token)")

        // A wrong token: the kubelet's 401 Status, named.
        let anonymous = KubernetesClient(endpoint: KubernetesEndpoint(server: server, certificateAuthorityPEM: ca, verifiesHostname: false))
        await #expect { _ = try await anonymous.get("/pods", as: PodList.self) } throws: { error in
            (error as? KubernetesError)?.httpStatus == 401 && "\(error)".contains("401 Unauthorized: Unauthorized")
        }
    }

    @Test("a TokenReview authenticated for none of the audiences asked for is refused by the client itself")
    func audienceChecked() async throws {
        let fake = try FakeKubernetes()
        defer { fake.stop() }
        var state = FakeKubernetes.State()
        var lying = FakeKubernetes.token(audiences: ["spire-server"], namespace: "spire", serviceAccount: "spire-agent", podName: "p", podUID: "u")
        lying["status_audiences"] = ["vault"]
        state.tokens["lying"] = lying
        state.tokens["good"] = FakeKubernetes.token(audiences: ["spire-server"], namespace: "spire", serviceAccount: "spire-agent", podName: "p", podUID: "u")
        try fake.write(state)
        try await fake.start()
        let api = KubernetesAPIServer(endpoint: try KubernetesEndpoint(kubeConfigFile: try fake.writeKubeconfig()))
        let good = try await api.validateToken("good", audiences: ["spire-server"])
        #expect(good.authenticated && good.user.username == "system:serviceaccount:spire:spire-agent")
        await #expect(throws: KubernetesError("token review API did not validate audience: wanted one of [\"spire-server\"] but got [\"vault\"]")) {
            _ = try await api.validateToken("lying", audiences: ["spire-server"])
        }
    }
}
