import GRPCCore
import SPIFFE
import SPIFFECA
@testable import SteepleServer
import SteepleDatastore
import SteepleServerAPIProto
import Testing

@Suite("APIErrorMap: one map from domain errors to gRPC statuses, with a stable reason trailer")
struct APIErrorMapTests {
    static func reason(_ error: RPCError) -> String? {
        error.metadata[stringValues: APIErrorMap.reasonKey].first(where: { _ in true })
    }

    @Test("refusals keep their message and carry their reason code", arguments: [
        (APIRefusal.Reason.agentBanned, RPCError.Code.permissionDenied),
        (.agentNotAttested, .permissionDenied),
        (.agentSVIDSuperseded, .permissionDenied),
        (.agentRevoked, .permissionDenied),
        (.notAuthorizedForEntry, .permissionDenied),
        (.attestationFailed, .permissionDenied),
        (.noClientCertificate, .unauthenticated),
        (.agentSVIDRejected, .unauthenticated),
        (.invalidRequest, .invalidArgument),
        (.batchTooLarge, .invalidArgument),
        (.notFound, .notFound),
        (.internal, .internalError),
    ])
    func refusals(_ reason: APIRefusal.Reason, _ code: RPCError.Code) {
        let status = APIErrorMap.rpcError(APIRefusal(reason, "what is wrong: what would be right"))
        #expect(status.code == code)
        #expect(status.message == "what is wrong: what would be right")
        #expect(Self.reason(status) == reason.rawValue)
    }

    @Test("CA, datastore, SPIFFE and entry-rule errors map by their codes")
    func domainErrors() {
        let csr = APIErrorMap.rpcError(CAError(.invalidCSR, "bad CSR"))
        #expect(csr.code == .invalidArgument && Self.reason(csr) == "ca/invalidCSR")
        #expect(APIErrorMap.rpcError(CAError(.issuedCredentialInvalid, "x")).code == .internalError)
        #expect(APIErrorMap.rpcError(DatastoreError(code: .alreadyExists, message: "dup")).code == .alreadyExists)
        #expect(APIErrorMap.rpcError(DatastoreError(code: .corruptRecord, message: "row")).code == .dataLoss)
        #expect(APIErrorMap.rpcError(DatastoreError(code: .conflict, message: "rev")).code == .failedPrecondition)
        #expect(APIErrorMap.rpcError(SPIFFEError(code: .invalidSubject, message: "sub")).code == .invalidArgument)
        #expect(APIErrorMap.rpcError(EntryValidator.Failure(message: "no selectors")).code == .invalidArgument)
        struct Unmapped: Error {}
        #expect(APIErrorMap.rpcError(Unmapped()).code == .internalError)
        let passthrough = RPCError(code: .resourceExhausted, message: "too big")
        #expect(APIErrorMap.rpcError(passthrough).code == .resourceExhausted)
    }

    @Test("a batch item's status goes through the same map")
    func batchStatus() {
        let status = Steeple_Server_V1_Status(APIRefusal(.notAuthorizedForEntry, "agent x is not authorized for entry y"))
        #expect(status.code == Int32(RPCError.Code.permissionDenied.rawValue))
        #expect(status.message == "agent x is not authorized for entry y")
    }
}
