import EnvoySDSProto
import Foundation
import SPIFFE
import SPIFFETestSupport
@testable import SteepleAgent
import SwiftProtobuf
import Testing

/// The xDS state machines of the SDS streams and the catalog they serve from, without a socket: what is sent, when,
/// and with which versions (the process-level test, Tests/Interop/sds_check.py, drives them with Envoy's protos).
@Suite("Envoy SDS: catalog and subscriptions")
struct SDSSubscriptionTests {
    let ca = TestCA(trustDomain: try! TrustDomain("example.org"))
    let federatedCA = TestCA(trustDomain: try! TrustDomain("federated.test"))

    func view(_ paths: [String], federated: Bool = false) throws -> SDSView {
        SDSView(
            svids: try paths.map { path in
                let svid = ca.makeSVID(try SPIFFEID("spiffe://example.org" + path))
                return IssuedX509SVID(entryID: path, svid: svid, shape: .init(spiffeID: svid.id, dnsNames: [], ttl: 0, revision: 0), rotateAt: Date() + 3600)
            },
            ownBundle: X509Bundle(trustDomain: ca.trustDomain, x509Authorities: [ca.certificate]),
            federatedBundles: federated ? [X509Bundle(trustDomain: federatedCA.trustDomain, x509Authorities: [federatedCA.certificate])] : [])
    }

    func catalog(_ view: SDSView, spiffeValidation: Bool = true, configuration: SDSConfiguration = SDSConfiguration()) throws -> SecretCatalog {
        try SecretCatalog(view: view, configuration: configuration, spiffeValidation: spiffeValidation)
    }

    func secret(_ any: Google_Protobuf_Any) throws -> Envoy_Extensions_TransportSockets_Tls_V3_Secret {
        try Envoy_Extensions_TransportSockets_Tls_V3_Secret(unpackingAny: any)
    }

    // MARK: Catalog

    @Test("the catalog names secrets as SPIRE does; the first SVID is the default; the wildcard set uses IDs only")
    func catalogNames() throws {
        let catalog = try catalog(view(["/a", "/b"], federated: true))
        #expect(catalog.items.map(\.name) == ["spiffe://example.org", "ROOTCA", "ALL", "spiffe://federated.test", "spiffe://example.org/a", "spiffe://example.org/b", "default"])
        #expect(catalog.wildcardNames == ["spiffe://example.org", "spiffe://federated.test", "spiffe://example.org/a", "spiffe://example.org/b"])
        let fallback = try secret(#require(catalog["default"]).resource)
        #expect(fallback.name == "default")
        #expect(String(decoding: fallback.tlsCertificate.certificateChain.inlineBytes, as: UTF8.self).contains("BEGIN CERTIFICATE"))
        #expect(catalog["default"]?.resource.typeURL == SecretCatalog.typeURL)
        // Equal content, equal version; the default and the by-ID copy differ only by name.
        #expect(try self.catalog(view(["/a"])).items.map(\.version) != catalog.items.map(\.version))
        #expect(catalog["ROOTCA"]?.version != catalog["spiffe://example.org"]?.version)
    }

    @Test("ALL carries every trust domain in Envoy's SPIFFE validator, sorted; without it, one trusted_ca")
    func allBundles() throws {
        let catalog = try catalog(view(["/a"], federated: true))
        let all = try secret(#require(catalog["ALL"]).resource)
        #expect(all.validationContext.customValidatorConfig.name == "envoy.tls.cert_validator.spiffe")
        let validator = try Envoy_Extensions_TransportSockets_Tls_V3_SPIFFECertValidatorConfig(unpackingAny: all.validationContext.customValidatorConfig.typedConfig)
        #expect(validator.trustDomains.map(\.name) == ["example.org", "federated.test"])
        let plain = try secret(#require(try self.catalog(view(["/a"], federated: true), spiffeValidation: false)["ALL"]).resource)
        let pem = String(decoding: plain.validationContext.trustedCa.inlineBytes, as: UTF8.self)
        #expect(pem.components(separatedBy: "BEGIN CERTIFICATE").count - 1 == 2)
    }

    @Test("configured names replace default, ROOTCA and ALL")
    func configuredNames() throws {
        var configuration = SDSConfiguration()
        configuration.defaultSVIDName = "svid"
        configuration.defaultBundleName = "ca"
        configuration.defaultAllBundlesName = "cas"
        let catalog = try catalog(view(["/a"]), configuration: configuration)
        #expect(catalog["svid"] != nil && catalog["ca"] != nil && catalog["cas"] != nil)
        #expect(catalog["default"] == nil && catalog["ROOTCA"] == nil && catalog["ALL"] == nil)
    }

    @Test("node metadata and Envoy's version decide the SPIFFE validator, as SPIRE")
    func nodeRules() {
        var configuration = SDSConfiguration()
        var node = Envoy_Config_Core_V3_Node()
        #expect(EnvoyNode.usesSPIFFEValidation(nil, configuration: configuration))
        node.userAgentBuildVersion.version.majorNumber = 1
        node.userAgentBuildVersion.version.minorNumber = 17
        #expect(!EnvoyNode.usesSPIFFEValidation(node, configuration: configuration))
        node.userAgentBuildVersion.version.minorNumber = 18
        #expect(EnvoyNode.usesSPIFFEValidation(node, configuration: configuration))
        node.metadata.fields["disable_spiffe_cert_validation"] = Google_Protobuf_Value(stringValue: "T")
        #expect(!EnvoyNode.usesSPIFFEValidation(node, configuration: configuration))
        configuration.disableSPIFFECertValidation = true
        node.metadata.fields["disable_spiffe_cert_validation"] = Google_Protobuf_Value(boolValue: false)
        #expect(EnvoyNode.usesSPIFFEValidation(node, configuration: configuration))
        node.metadata.fields["disable_spiffe_cert_validation"] = Google_Protobuf_Value(stringValue: "maybe")
        #expect(!EnvoyNode.usesSPIFFEValidation(node, configuration: configuration))
    }

    // MARK: State of the world

    func request(_ names: [String], version: String = "", nonce: String = "", nack: String? = nil) -> Envoy_Service_Discovery_V3_DiscoveryRequest {
        var request = Envoy_Service_Discovery_V3_DiscoveryRequest()
        request.resourceNames = names
        request.versionInfo = version
        request.responseNonce = nonce
        request.typeURL = SecretCatalog.typeURL
        if let nack { request.errorDetail.message = nack }
        return request
    }

    @Test("state of the world: versions count responses; ACKs and NACKs send nothing again; changes and new names do")
    func stateOfTheWorld() throws {
        var subscription = StateOfTheWorldSubscription()
        let first = try catalog(view(["/a"]))
        #expect(subscription.response(from: first, nonce: "n0") == nil, "nothing before the first request")
        #expect(subscription.receive(request(["default", "ROOTCA"])) == .first)
        let oneSent = subscription.response(from: first, nonce: "n1")
        let one = try #require(oneSent)
        #expect(one.versionInfo == "1" && one.nonce == "n1" && one.resources.count == 2)
        #expect(subscription.receive(request(["default", "ROOTCA"], version: "1", nonce: "n1")) == .ack)
        #expect(subscription.response(from: first, nonce: "n2") == nil, "an ACK is not answered")
        #expect(subscription.receive(request(["default"], version: "0", nonce: "old")) == .stale(expected: "n1"))
        #expect(subscription.names == ["default", "ROOTCA"], "a stale request changes nothing")
        let rotated = try catalog(view(["/a"]))
        let twoSent = subscription.response(from: rotated, nonce: "n2")
        let two = try #require(twoSent)
        #expect(two.versionInfo == "2")
        #expect(subscription.receive(request(["default", "ROOTCA"], version: "1", nonce: "n2", nack: "bad key")) == .nack(reason: "bad key"))
        #expect(subscription.response(from: rotated, nonce: "n3") == nil, "a NACK does not loop")
        #expect(subscription.receive(request(["default", "ROOTCA", "spiffe://example.org/b"], version: "2", nonce: "n2")) == .ack)
        #expect(subscription.missing(in: rotated) == ["spiffe://example.org/b"])
        #expect(subscription.response(from: rotated, nonce: "n3") == nil, "a name that does not exist adds nothing to send")
        let withB = try catalog(view(["/a", "/b"]))
        let threeSent = subscription.response(from: withB, nonce: "n3")
        let three = try #require(threeSent)
        #expect(three.versionInfo == "3" && three.resources.count == 3)
    }

    @Test("state of the world: a request naming nothing gets the wildcard set; nothing to send sends nothing")
    func stateOfTheWorldWildcard() throws {
        var subscription = StateOfTheWorldSubscription()
        _ = subscription.receive(request([]))
        let responseSent = subscription.response(from: try catalog(view(["/a"], federated: true)), nonce: "n")
        let response = try #require(responseSent)
        #expect(try response.resources.map { try secret($0).name } == ["spiffe://example.org", "spiffe://federated.test", "spiffe://example.org/a"])
        var named = StateOfTheWorldSubscription()
        _ = named.receive(request(["spiffe://example.org/none"]))
        #expect(named.response(from: try catalog(view(["/a"])), nonce: "n") == nil)
    }

    // MARK: Delta

    func delta(subscribe: [String] = [], unsubscribe: [String] = [], nonce: String = "", initial: [String: String] = [:], nack: String? = nil) -> Envoy_Service_Discovery_V3_DeltaDiscoveryRequest {
        var request = Envoy_Service_Discovery_V3_DeltaDiscoveryRequest()
        request.typeURL = SecretCatalog.typeURL
        request.resourceNamesSubscribe = subscribe
        request.resourceNamesUnsubscribe = unsubscribe
        request.responseNonce = nonce
        request.initialResourceVersions = initial
        if let nack { request.errorDetail.message = nack }
        return request
    }

    @Test("delta: only changed secrets are sent, removals are named, held versions are not sent again")
    func deltaChanges() throws {
        var subscription = DeltaSubscription()
        #expect(subscription.receive(delta(subscribe: ["default", "ROOTCA", "spiffe://example.org/a"])) == .subscription)
        #expect(!subscription.wildcard)
        let first = try catalog(view(["/a"]))
        let oneSent = subscription.response(from: first, nonce: "n1")
        let one = try #require(oneSent)
        #expect(Set(one.resources.map(\.name)) == ["default", "ROOTCA", "spiffe://example.org/a"])
        #expect(one.resources.allSatisfy { $0.version == first[$0.name]?.version })
        #expect(subscription.receive(delta(nonce: "n1")) == .ack)
        #expect(subscription.response(from: first, nonce: "n2") == nil)
        // A new SVID for /a: default and /a change, ROOTCA does not.
        let rotated = try catalog(view(["/a"]))
        let twoSent = subscription.response(from: rotated, nonce: "n2")
        let two = try #require(twoSent)
        #expect(Set(two.resources.map(\.name)) == ["default", "spiffe://example.org/a"] && two.removedResources.isEmpty)
        #expect(subscription.receive(delta(nonce: "n2", nack: "cannot load")) == .nack(reason: "cannot load"))
        #expect(subscription.response(from: rotated, nonce: "n3") == nil, "a NACK does not loop")
        // /a's entry goes away, /b's takes over the default.
        let onlyB = try catalog(view(["/b"]))
        let threeSent = subscription.response(from: onlyB, nonce: "n3")
        let three = try #require(threeSent)
        #expect(three.removedResources == ["spiffe://example.org/a"])
        #expect(Set(three.resources.map(\.name)).isSuperset(of: ["default"]))
        // Unsubscribing forgets; subscribing again sends again.
        _ = subscription.receive(delta(unsubscribe: ["ROOTCA"], nonce: "n3"))
        #expect(subscription.response(from: onlyB, nonce: "n4") == nil)
        _ = subscription.receive(delta(subscribe: ["ROOTCA"], nonce: "n3"))
        let again = subscription.response(from: onlyB, nonce: "n4")
        #expect(try #require(again).resources.map(\.name) == ["ROOTCA"])
    }

    @Test("delta: a first request naming nothing is a wildcard; initial_resource_versions are honoured")
    func deltaWildcardAndReconnect() throws {
        let current = try catalog(view(["/a"]))
        var wildcard = DeltaSubscription()
        _ = wildcard.receive(delta())
        #expect(wildcard.wildcard)
        let all = wildcard.response(from: current, nonce: "n")
        #expect(try #require(all).resources.map(\.name) == current.wildcardNames)
        var reconnect = DeltaSubscription()
        _ = reconnect.receive(delta(subscribe: ["default", "ROOTCA"], initial: ["default": current["default"]!.version, "ROOTCA": "outdated", "spiffe://gone": "v"]))
        let responseSent = reconnect.response(from: current, nonce: "n")
        let response = try #require(responseSent)
        #expect(response.resources.map(\.name) == ["ROOTCA"], "only what the client holds in another version")
        #expect(response.removedResources.isEmpty, "a name it no longer subscribes to is dropped, not reported")
    }
}
