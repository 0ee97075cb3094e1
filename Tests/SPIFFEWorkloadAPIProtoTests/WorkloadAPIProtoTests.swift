import Foundation
import GRPCCore
import SPIFFEWorkloadAPIProto
import SwiftProtobuf
import Testing

/// Checks the generated code against the wire contract of the SPIFFE Workload API
/// (SPEC.md §6.1–6.2): method paths and field numbers that every client relies on.
@Suite("Workload API proto")
struct WorkloadAPIProtoTests {
    private typealias Method = WorkloadAPI_SpiffeWorkloadAPI.Method

    // MARK: - Service and method names

    @Test("The service's full name is SpiffeWorkloadAPI, with no proto package")
    func serviceName() {
        let service = WorkloadAPI_SpiffeWorkloadAPI.descriptor
        #expect(service.fullyQualifiedService == "SpiffeWorkloadAPI")
        #expect(service.package == "")
        #expect(GRPCCore.ServiceDescriptor.workloadApi_SpiffeWorkloadAPI == service)
    }

    @Test("The service has exactly the seven Workload API methods")
    func sevenMethods() {
        let names = Method.descriptors.map(\.method)
        #expect(names.count == 7)
        #expect(
            Set(names) == [
                "FetchX509SVID", "FetchX509Bundles", "FetchJWTSVID", "FetchJWTBundles",
                "ValidateJWTSVID", "FetchWITSVID", "FetchWITBundles",
            ]
        )
    }

    /// Every method with its path on the wire and its streaming type, per SPEC.md §6.1–6.2.
    static let methods: [(MethodDescriptor, String, MethodDescriptor.RPCType)] = [
        (Method.FetchX509SVID.descriptor, "/SpiffeWorkloadAPI/FetchX509SVID", .serverStreaming),
        (Method.FetchX509Bundles.descriptor, "/SpiffeWorkloadAPI/FetchX509Bundles", .serverStreaming),
        (Method.FetchJWTSVID.descriptor, "/SpiffeWorkloadAPI/FetchJWTSVID", .unary),
        (Method.FetchJWTBundles.descriptor, "/SpiffeWorkloadAPI/FetchJWTBundles", .serverStreaming),
        (Method.ValidateJWTSVID.descriptor, "/SpiffeWorkloadAPI/ValidateJWTSVID", .unary),
        (Method.FetchWITSVID.descriptor, "/SpiffeWorkloadAPI/FetchWITSVID", .serverStreaming),
        (Method.FetchWITBundles.descriptor, "/SpiffeWorkloadAPI/FetchWITBundles", .serverStreaming),
    ]

    @Test(
        "Every method's wire path is /SpiffeWorkloadAPI/<Method> and its streaming type matches the spec",
        arguments: methods
    )
    func methodPath(descriptor: MethodDescriptor, path: String, type: MethodDescriptor.RPCType) {
        #expect("/" + descriptor.fullyQualifiedMethod == path)
        #expect(descriptor.service.fullyQualifiedService == "SpiffeWorkloadAPI")
        #expect(descriptor.type == type)
        #expect(Method.descriptors.contains(descriptor))
    }

    @Test("Message names carry no proto package prefix, and the Swift prefix (swift_prefix) stays out of them")
    func messageNames() {
        let names: [any SwiftProtobuf.Message.Type] = [
            WorkloadAPI_X509SVIDRequest.self, WorkloadAPI_X509SVIDResponse.self, WorkloadAPI_X509SVID.self,
            WorkloadAPI_X509BundlesRequest.self, WorkloadAPI_X509BundlesResponse.self,
            WorkloadAPI_JWTSVIDRequest.self, WorkloadAPI_JWTSVIDResponse.self, WorkloadAPI_JWTSVID.self,
            WorkloadAPI_JWTBundlesRequest.self, WorkloadAPI_JWTBundlesResponse.self,
            WorkloadAPI_ValidateJWTSVIDRequest.self, WorkloadAPI_ValidateJWTSVIDResponse.self,
            WorkloadAPI_WITSVIDRequest.self, WorkloadAPI_WITSVIDResponse.self, WorkloadAPI_WITSVID.self,
            WorkloadAPI_WITBundlesRequest.self, WorkloadAPI_WITBundlesResponse.self,
        ]
        for type in names {
            let swiftName = String(describing: type)
            #expect(swiftName.hasPrefix("WorkloadAPI_"))
            #expect(type.protoMessageName == String(swiftName.dropFirst("WorkloadAPI_".count)))
        }
        #expect(WorkloadAPI_X509SVIDResponse.protoMessageName == "X509SVIDResponse")
        #expect(WorkloadAPI_ValidateJWTSVIDResponse.protoMessageName == "ValidateJWTSVIDResponse")
    }

    // MARK: - Field numbers, checked against hand-written wire bytes
    //
    // A length-delimited field starts with the tag byte (field number << 3 | 2), then
    // the length. Values are all distinct, so swapped field numbers also fail.

    @Test("X509SVIDResponse: svids=1 (X509SVID fields 1...5), crl=2, federated_bundles=3")
    func x509SVIDResponseWire() throws {
        var svid = WorkloadAPI_X509SVID()
        svid.spiffeID = "spiffe://td/w"
        svid.x509Svid = Data([0xC1, 0xC2, 0xC3])
        svid.x509SvidKey = Data([0xD1, 0xD2])
        svid.bundle = Data([0xB1, 0xB2])
        svid.hint = "hint"
        var response = WorkloadAPI_X509SVIDResponse()
        response.svids = [svid]
        response.crl = [Data([0xE1, 0xE2])]
        response.federatedBundles = ["spiffe://other": Data([0xF1, 0xF2])]

        let svidBytes: [UInt8] =
            [0x0A, 13] + ascii("spiffe://td/w")  // spiffe_id = 1
            + [0x12, 3, 0xC1, 0xC2, 0xC3]  // x509_svid = 2
            + [0x1A, 2, 0xD1, 0xD2]  // x509_svid_key = 3
            + [0x22, 2, 0xB1, 0xB2]  // bundle = 4
            + [0x2A, 4] + ascii("hint")  // hint = 5
        let entryBytes: [UInt8] =
            [0x0A, 14] + ascii("spiffe://other")  // map key = 1
            + [0x12, 2, 0xF1, 0xF2]  // map value = 2
        let wire: [UInt8] =
            [0x0A, 34] + svidBytes  // svids = 1
            + [0x12, 2, 0xE1, 0xE2]  // crl = 2
            + [0x1A, 20] + entryBytes  // federated_bundles = 3

        try expectWire(response, wire)
    }

    @Test("X509BundlesResponse: crl=1, bundles=2")
    func x509BundlesResponseWire() throws {
        var response = WorkloadAPI_X509BundlesResponse()
        response.crl = [Data([0xE1])]
        response.bundles = ["spiffe://td": Data([0xB1, 0xB2])]

        let wire: [UInt8] =
            [0x0A, 1, 0xE1]  // crl = 1
            + [0x12, 17, 0x0A, 11] + ascii("spiffe://td") + [0x12, 2, 0xB1, 0xB2]  // bundles = 2

        try expectWire(response, wire)
    }

    @Test("JWTSVIDRequest: audience=1 (repeated), spiffe_id=2")
    func jwtSVIDRequestWire() throws {
        var request = WorkloadAPI_JWTSVIDRequest()
        request.audience = ["a1", "a2"]
        request.spiffeID = "spiffe://td/w"

        let wire: [UInt8] =
            [0x0A, 2] + ascii("a1")  // audience = 1
            + [0x0A, 2] + ascii("a2")  // audience = 1, second value
            + [0x12, 13] + ascii("spiffe://td/w")  // spiffe_id = 2

        try expectWire(request, wire)
    }

    @Test("JWTSVIDResponse: svids=1 with JWTSVID spiffe_id=1, svid=2, hint=3")
    func jwtSVIDResponseWire() throws {
        var svid = WorkloadAPI_JWTSVID()
        svid.spiffeID = "spiffe://td/w"
        svid.svid = "a.b.c"
        svid.hint = "h"
        var response = WorkloadAPI_JWTSVIDResponse()
        response.svids = [svid]

        let wire: [UInt8] =
            [0x0A, 25]  // svids = 1
            + [0x0A, 13] + ascii("spiffe://td/w")  // spiffe_id = 1
            + [0x12, 5] + ascii("a.b.c")  // svid = 2
            + [0x1A, 1] + ascii("h")  // hint = 3

        try expectWire(response, wire)
    }

    @Test("JWTBundlesResponse: bundles=1 as map<string, bytes>")
    func jwtBundlesResponseWire() throws {
        let jwks = ascii(#"{"keys":[]}"#)
        var response = WorkloadAPI_JWTBundlesResponse()
        response.bundles = ["spiffe://ta": Data(jwks), "spiffe://tb": Data([0x7B, 0x7D])]

        // Deterministic encoding sorts map entries by key.
        let wire: [UInt8] =
            [0x0A, 26, 0x0A, 11] + ascii("spiffe://ta") + [0x12, 11] + jwks  // bundles = 1
            + [0x0A, 17, 0x0A, 11] + ascii("spiffe://tb") + [0x12, 2, 0x7B, 0x7D]  // bundles = 1

        try expectWire(response, wire)
    }

    @Test("ValidateJWTSVIDRequest: audience=1, svid=2")
    func validateJWTSVIDRequestWire() throws {
        var request = WorkloadAPI_ValidateJWTSVIDRequest()
        request.audience = "a1"
        request.svid = "a.b.c"

        let wire: [UInt8] = [0x0A, 2] + ascii("a1") + [0x12, 5] + ascii("a.b.c")

        try expectWire(request, wire)
    }

    @Test("ValidateJWTSVIDResponse: spiffe_id=1, claims=2 as google.protobuf.Struct")
    func validateJWTSVIDResponseWire() throws {
        var response = WorkloadAPI_ValidateJWTSVIDResponse()
        response.spiffeID = "spiffe://td/w"
        response.claims = Google_Protobuf_Struct(fields: [
            "aud": Google_Protobuf_Value(listValue: Google_Protobuf_ListValue(values: ["a1"])),
            "exp": Google_Protobuf_Value(numberValue: 1.7e9),
            "sub": Google_Protobuf_Value(stringValue: "spiffe://td/w"),
        ])

        // Struct { map<string, Value> fields = 1 }; Value: number_value = 2 (double),
        // string_value = 3, list_value = 6; ListValue { repeated Value values = 1 }.
        let aud: [UInt8] =
            [0x0A, 3] + ascii("aud")
            + [0x12, 8, 0x32, 6, 0x0A, 4, 0x1A, 2] + ascii("a1")
        let exp: [UInt8] =
            [0x0A, 3] + ascii("exp")
            + [0x12, 9, 0x11, 0x00, 0x00, 0x00, 0x40, 0xFC, 0x54, 0xD9, 0x41]  // 1.7e9, little-endian double
        let sub: [UInt8] =
            [0x0A, 3] + ascii("sub")
            + [0x12, 15, 0x1A, 13] + ascii("spiffe://td/w")
        let claims: [UInt8] = [0x0A, 15] + aud + [0x0A, 16] + exp + [0x0A, 22] + sub
        let wire: [UInt8] =
            [0x0A, 13] + ascii("spiffe://td/w")  // spiffe_id = 1
            + [0x12, 59] + claims  // claims = 2

        try expectWire(response, wire)
    }

    @Test("WITSVIDResponse: svids=1 with WITSVID spiffe_id=1, wit_svid=2, wit_svid_key=3, hint=4")
    func witSVIDResponseWire() throws {
        var svid = WorkloadAPI_WITSVID()
        svid.spiffeID = "spiffe://td/w"
        svid.witSvid = "a.b.c"
        svid.witSvidKey = "k"
        svid.hint = "h"
        var response = WorkloadAPI_WITSVIDResponse()
        response.svids = [svid]

        let wire: [UInt8] =
            [0x0A, 28]  // svids = 1
            + [0x0A, 13] + ascii("spiffe://td/w")  // spiffe_id = 1
            + [0x12, 5] + ascii("a.b.c")  // wit_svid = 2
            + [0x1A, 1] + ascii("k")  // wit_svid_key = 3
            + [0x22, 1] + ascii("h")  // hint = 4

        try expectWire(response, wire)
    }

    @Test("WITBundlesResponse: bundles=1 as map<string, string>")
    func witBundlesResponseWire() throws {
        var response = WorkloadAPI_WITBundlesResponse()
        response.bundles = ["spiffe://td": "{}"]

        let wire: [UInt8] = [0x0A, 17, 0x0A, 11] + ascii("spiffe://td") + [0x12, 2] + ascii("{}")

        try expectWire(response, wire)
    }
}

private func ascii(_ string: String) -> [UInt8] {
    Array(string.utf8)
}

/// Expects `message` to encode to exactly `wire` and `wire` to decode to exactly `message`.
private func expectWire<M: SwiftProtobuf.Message & Equatable>(
    _ message: M,
    _ wire: [UInt8],
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    var options = BinaryEncodingOptions()
    options.useDeterministicOrdering = true
    let encoded: [UInt8] = try message.serializedBytes(options: options)
    #expect(encoded == wire, "encoding", sourceLocation: sourceLocation)

    let decoded = try M(serializedBytes: wire)
    #expect(decoded == message, "decoding", sourceLocation: sourceLocation)
    #expect(decoded.unknownFields.data.isEmpty, "no unknown fields", sourceLocation: sourceLocation)
}
