import SPIFFE
import SPIFFEWorkloadAPI
import SPIFFEWorkloadAPIProto
import SwiftProtobuf

/// Workload API messages: the responses a client library parses (an agent is a trust boundary for its workloads'
/// parsers too) and the requests the agent decodes and handles.
enum WorkloadAPITargets {
    /// Input: one selector byte, then the protobuf encoding of the message it selects.
    static let messages = FuzzTarget(
        name: "workload-api-messages",
        summary: "decode of every Workload API message (first byte picks it); responses through the client's WorkloadAPIResponseParser, ValidateJWTSVID requests through JWT-SVID validation"
    ) { bytes in
        var input = FuzzInput(bytes)
        let selector = input.byte() % 9
        let body = input.rest()
        switch selector {
        case 0:
            guard let message = decode(WorkloadAPI_X509SVIDResponse.self, body) else { return }
            _ = try? WorkloadAPIResponseParser.x509Context(message)
        case 1:
            guard let message = decode(WorkloadAPI_X509BundlesResponse.self, body) else { return }
            _ = try? WorkloadAPIResponseParser.x509Bundles(message)
        case 2:
            guard let message = decode(WorkloadAPI_JWTBundlesResponse.self, body) else { return }
            _ = try? WorkloadAPIResponseParser.jwtBundles(message)
        case 3:
            guard let message = decode(WorkloadAPI_JWTSVIDResponse.self, body) else { return }
            _ = try? WorkloadAPIResponseParser.jwtSVIDs(message, audience: [FuzzKeys.audience])
        case 4:
            // What the agent's ValidateJWTSVID handler does with the request.
            guard let message = decode(WorkloadAPI_ValidateJWTSVIDRequest.self, body), !message.audience.isEmpty else { return }
            _ = try? JWTSVID.parseAndValidate(
                token: message.svid, bundles: FuzzKeys.jwtBundles, audience: [message.audience], now: FuzzKeys.now
            )
        case 5:
            guard let message = decode(WorkloadAPI_ValidateJWTSVIDResponse.self, body) else { return }
            _ = try? message.jsonString()
        case 6:
            _ = decode(WorkloadAPI_JWTSVIDRequest.self, body)
        case 7:
            _ = decode(WorkloadAPI_X509SVIDRequest.self, body)
        default:
            _ = decode(WorkloadAPI_JWTBundlesRequest.self, body)
        }
    }

    /// Decodes a message and checks that its encoding decodes and encodes to the same bytes. (Bytes, not
    /// `isEqualTo`: a NaN double in a `Struct` never equals itself.)
    static func decode<M: SwiftProtobuf.Message>(_ type: M.Type, _ bytes: [UInt8]) -> M? {
        guard let message = try? M(serializedBytes: bytes) else { return nil }
        var options = BinaryEncodingOptions()
        options.useDeterministicOrdering = true
        let encoded: [UInt8] = try! message.serializedBytes(options: options)
        let again: [UInt8] = try! M(serializedBytes: encoded).serializedBytes(options: options)
        precondition(again == encoded, "\(M.protoMessageName) changed on a round trip")
        return message
    }
}
