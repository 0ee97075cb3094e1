import Foundation
@testable import SteepleKubernetes
import Testing

/// Decoding the API's JSON as the Kubernetes API reference documents it, and the TokenReview request we send.
struct KubernetesObjectsTests {
    @Test("a Pod: metadata, owner, spec and container statuses; absent fields read as empty")
    func pod() throws {
        let json = #"""
        {"kind":"Pod","apiVersion":"v1","metadata":{"name":"web-1","namespace":"default","uid":"c0ffee00-1234-4abc-9def-0123456789ab",
         "labels":{"app":"web"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7d9f","uid":"1a2b","controller":true}]},
         "spec":{"serviceAccountName":"web","nodeName":"node-1","containers":[{"name":"nginx","image":"nginx:1.27"}]},
         "status":{"phase":"Running","hostIP":"10.0.0.7","containerStatuses":[{"name":"nginx","image":"nginx:1.27",
         "imageID":"docker.io/library/nginx@sha256:ab","containerID":"containerd://9bca","ready":true,"restartCount":0}]}}
        """#
        let pod = try JSONDecoder().decode(Pod.self, from: Data(json.utf8))
        #expect(pod.metadata.name == "web-1" && pod.metadata.uid == "c0ffee00-1234-4abc-9def-0123456789ab")
        #expect(pod.metadata.ownerReferences == [OwnerReference(kind: "ReplicaSet", name: "web-7d9f", uid: "1a2b")])
        #expect(pod.spec.serviceAccountName == "web" && pod.spec.nodeName == "node-1" && pod.status.hostIP == "10.0.0.7")
        #expect(pod.status.containerStatuses.first?.runtimeContainerID == "9bca")
        #expect(pod.status.initContainerStatuses.isEmpty)
        let pending = try JSONDecoder().decode(Pod.self, from: Data(#"{"metadata":{"name":"p"}}"#.utf8))
        #expect(pending.spec.nodeName.isEmpty && pending.status.containerStatuses.isEmpty)
        #expect(ContainerStatus(name: "x", image: "", imageID: "", containerID: "").runtimeContainerID == nil)
    }

    @Test("a TokenReview status: the service account from the username, the bound pod from extra, SPIRE's errors")
    func tokenReview() throws {
        let json = #"""
        {"authenticated":true,"audiences":["spire-server"],"user":{"username":"system:serviceaccount:spire:spire-agent","uid":"3e7a",
         "groups":["system:serviceaccounts"],"extra":{"authentication.kubernetes.io/pod-name":["spire-agent-x7k2p"],
         "authentication.kubernetes.io/pod-uid":["8f2e"]}}}
        """#
        let status = try JSONDecoder().decode(TokenReview.Status.self, from: Data(json.utf8))
        #expect(status.authenticated && status.audiences == ["spire-server"])
        #expect(try status.user.serviceAccount() == ("spire", "spire-agent"))
        #expect(try status.user.single(TokenReview.UserInfo.podNameKey, "pod name", noun: "name") == "spire-agent-x7k2p")
        #expect(throws: KubernetesError("unexpected username format: admin")) { try TokenReview.UserInfo(username: "admin").serviceAccount() }
        #expect(throws: KubernetesError("missing pod UID")) { try TokenReview.UserInfo(username: "a").single(TokenReview.UserInfo.podUIDKey, "pod UID", noun: "UID") }
        #expect(throws: KubernetesError("expected 1 UID but got: 2")) {
            try TokenReview.UserInfo(extra: [TokenReview.UserInfo.podUIDKey: ["a", "b"]]).single(TokenReview.UserInfo.podUIDKey, "pod UID", noun: "UID")
        }
        let body = try TokenReview.requestBody(token: "t", audiences: ["spire-server"])
        #expect(String(decoding: body, as: UTF8.self) == #"{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"audiences":["spire-server"],"token":"t"}}"#)
    }

    @Test("a failed call names the Status object's message")
    func failure() {
        let status = #"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"pods \"x\" not found","reason":"NotFound","code":404}"#
        #expect(KubernetesClient.describeFailure(status: 404, reason: "Not Found", body: Array(status.utf8)) == #"404 Not Found: pods "x" not found"#)
        #expect(KubernetesClient.describeFailure(status: 502, reason: "Bad Gateway", body: []) == "502 Bad Gateway")
    }
}
