import GRPCCore
import SPIFFECA
import SPIREAPIProto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the LocalAuthority API needs of the CA (``CAManager`` in a server).
protocol LocalAuthorities: Sendable {
    /// `disable_jwt_svids`: the JWT methods answer Unimplemented, as SPIRE's.
    var jwtSVIDsDisabled: Bool { get }
    var x509Slots: LocalAuthoritySlots { get }
    var jwtSlots: LocalAuthoritySlots { get }
    func prepareX509Authority() async throws -> LocalAuthorityState
    func activateX509Authority(id: String) async throws -> LocalAuthorityState
    func taintX509Authority(id: String) async throws -> LocalAuthorityState
    func revokeX509Authority(id: String) async throws -> LocalAuthorityState
    func taintX509UpstreamAuthority(subjectKeyID: String) async throws -> String
    func revokeX509UpstreamAuthority(subjectKeyID: String) async throws -> String
    func prepareJWTAuthority() async throws -> LocalAuthorityState
    func activateJWTAuthority(id: String) async throws -> LocalAuthorityState
    func taintJWTAuthority(id: String) async throws -> LocalAuthorityState
    func revokeJWTAuthority(id: String) async throws -> LocalAuthorityState
}

extension CAManager: LocalAuthorities {
    var jwtSVIDsDisabled: Bool { settings.issuance.jwtSVIDsDisabled }
}

/// SPIRE's server LocalAuthority API (`spire.api.server.localauthority.v1.LocalAuthority`), for local callers and
/// remote admins: the CA's authorities, forced rotation, taint and revoke. After every change the entry index is
/// poked, so the new bundle (and the taint marks) reach every agent at once. WIT-SVIDs answer Unimplemented in
/// SPIRE's words, as SPIRE does.
struct SPIRELocalAuthorityService: Spire_Api_Server_Localauthority_V1_LocalAuthority.SimpleServiceProtocol {
    typealias API = Spire_Api_Server_Localauthority_V1_LocalAuthority

    let authorities: any LocalAuthorities
    let changes: any ChangeNotifier

    // MARK: JWT

    func getJWTAuthorityState(
        request _: Spire_Api_Server_Localauthority_V1_GetJWTAuthorityStateRequest, context _: ServerContext
    ) async throws -> Spire_Api_Server_Localauthority_V1_GetJWTAuthorityStateResponse {
        try checkJWTEnabled()
        let slots = authorities.jwtSlots
        var response = Spire_Api_Server_Localauthority_V1_GetJWTAuthorityStateResponse()
        response.active = Self.proto(slots.active)
        if let prepared = slots.prepared { response.prepared = Self.proto(prepared) }
        if let old = slots.old { response.old = Self.proto(old) }
        return response
    }

    func prepareJWTAuthority(
        request _: Spire_Api_Server_Localauthority_V1_PrepareJWTAuthorityRequest, context _: ServerContext
    ) async throws -> Spire_Api_Server_Localauthority_V1_PrepareJWTAuthorityResponse {
        try checkJWTEnabled()
        var response = Spire_Api_Server_Localauthority_V1_PrepareJWTAuthorityResponse()
        response.preparedAuthority = Self.proto(try await change("failed to prepare JWT authority") { try await authorities.prepareJWTAuthority() })
        return response
    }

    func activateJWTAuthority(
        request: Spire_Api_Server_Localauthority_V1_ActivateJWTAuthorityRequest, context _: ServerContext
    ) async throws -> Spire_Api_Server_Localauthority_V1_ActivateJWTAuthorityResponse {
        try checkJWTEnabled()
        var response = Spire_Api_Server_Localauthority_V1_ActivateJWTAuthorityResponse()
        response.activatedAuthority = Self.proto(try await change { try await authorities.activateJWTAuthority(id: request.authorityID) })
        return response
    }

    func taintJWTAuthority(
        request: Spire_Api_Server_Localauthority_V1_TaintJWTAuthorityRequest, context _: ServerContext
    ) async throws -> Spire_Api_Server_Localauthority_V1_TaintJWTAuthorityResponse {
        try checkJWTEnabled()
        var response = Spire_Api_Server_Localauthority_V1_TaintJWTAuthorityResponse()
        response.taintedAuthority = Self.proto(try await change { try await authorities.taintJWTAuthority(id: request.authorityID) })
        return response
    }

    func revokeJWTAuthority(
        request: Spire_Api_Server_Localauthority_V1_RevokeJWTAuthorityRequest, context _: ServerContext
    ) async throws -> Spire_Api_Server_Localauthority_V1_RevokeJWTAuthorityResponse {
        try checkJWTEnabled()
        var response = Spire_Api_Server_Localauthority_V1_RevokeJWTAuthorityResponse()
        response.revokedAuthority = Self.proto(try await change { try await authorities.revokeJWTAuthority(id: request.authorityID) })
        return response
    }

    // MARK: X.509

    func getX509AuthorityState(
        request _: Spire_Api_Server_Localauthority_V1_GetX509AuthorityStateRequest, context _: ServerContext
    ) async throws -> Spire_Api_Server_Localauthority_V1_GetX509AuthorityStateResponse {
        let slots = authorities.x509Slots
        var response = Spire_Api_Server_Localauthority_V1_GetX509AuthorityStateResponse()
        response.active = Self.proto(slots.active)
        if let prepared = slots.prepared { response.prepared = Self.proto(prepared) }
        if let old = slots.old { response.old = Self.proto(old) }
        return response
    }

    func prepareX509Authority(
        request _: Spire_Api_Server_Localauthority_V1_PrepareX509AuthorityRequest, context _: ServerContext
    ) async throws -> Spire_Api_Server_Localauthority_V1_PrepareX509AuthorityResponse {
        var response = Spire_Api_Server_Localauthority_V1_PrepareX509AuthorityResponse()
        response.preparedAuthority = Self.proto(try await change("failed to prepare X.509 authority") { try await authorities.prepareX509Authority() })
        return response
    }

    func activateX509Authority(
        request: Spire_Api_Server_Localauthority_V1_ActivateX509AuthorityRequest, context _: ServerContext
    ) async throws -> Spire_Api_Server_Localauthority_V1_ActivateX509AuthorityResponse {
        var response = Spire_Api_Server_Localauthority_V1_ActivateX509AuthorityResponse()
        response.activatedAuthority = Self.proto(try await change { try await authorities.activateX509Authority(id: request.authorityID) })
        return response
    }

    func taintX509Authority(
        request: Spire_Api_Server_Localauthority_V1_TaintX509AuthorityRequest, context _: ServerContext
    ) async throws -> Spire_Api_Server_Localauthority_V1_TaintX509AuthorityResponse {
        var response = Spire_Api_Server_Localauthority_V1_TaintX509AuthorityResponse()
        response.taintedAuthority = Self.proto(try await change { try await authorities.taintX509Authority(id: request.authorityID) })
        return response
    }

    func taintX509UpstreamAuthority(
        request: Spire_Api_Server_Localauthority_V1_TaintX509UpstreamAuthorityRequest, context _: ServerContext
    ) async throws -> Spire_Api_Server_Localauthority_V1_TaintX509UpstreamAuthorityResponse {
        var response = Spire_Api_Server_Localauthority_V1_TaintX509UpstreamAuthorityResponse()
        response.upstreamAuthoritySubjectKeyID = try await change { try await authorities.taintX509UpstreamAuthority(subjectKeyID: request.subjectKeyID) }
        return response
    }

    func revokeX509Authority(
        request: Spire_Api_Server_Localauthority_V1_RevokeX509AuthorityRequest, context _: ServerContext
    ) async throws -> Spire_Api_Server_Localauthority_V1_RevokeX509AuthorityResponse {
        var response = Spire_Api_Server_Localauthority_V1_RevokeX509AuthorityResponse()
        response.revokedAuthority = Self.proto(try await change { try await authorities.revokeX509Authority(id: request.authorityID) })
        return response
    }

    func revokeX509UpstreamAuthority(
        request: Spire_Api_Server_Localauthority_V1_RevokeX509UpstreamAuthorityRequest, context _: ServerContext
    ) async throws -> Spire_Api_Server_Localauthority_V1_RevokeX509UpstreamAuthorityResponse {
        var response = Spire_Api_Server_Localauthority_V1_RevokeX509UpstreamAuthorityResponse()
        response.upstreamAuthoritySubjectKeyID = try await change { try await authorities.revokeX509UpstreamAuthority(subjectKeyID: request.subjectKeyID) }
        return response
    }

    // MARK: WIT (not in Steeple, nor yet in SPIRE)

    func getWITAuthorityState(
        request _: Spire_Api_Server_Localauthority_V1_GetWITAuthorityStateRequest, context _: ServerContext
    ) async throws -> Spire_Api_Server_Localauthority_V1_GetWITAuthorityStateResponse { throw Self.noWIT }

    func prepareWITAuthority(
        request _: Spire_Api_Server_Localauthority_V1_PrepareWITAuthorityRequest, context _: ServerContext
    ) async throws -> Spire_Api_Server_Localauthority_V1_PrepareWITAuthorityResponse { throw Self.noWIT }

    func activateWITAuthority(
        request _: Spire_Api_Server_Localauthority_V1_ActivateWITAuthorityRequest, context _: ServerContext
    ) async throws -> Spire_Api_Server_Localauthority_V1_ActivateWITAuthorityResponse { throw Self.noWIT }

    func taintWITAuthority(
        request _: Spire_Api_Server_Localauthority_V1_TaintWITAuthorityRequest, context _: ServerContext
    ) async throws -> Spire_Api_Server_Localauthority_V1_TaintWITAuthorityResponse { throw Self.noWIT }

    func revokeWITAuthority(
        request _: Spire_Api_Server_Localauthority_V1_RevokeWITAuthorityRequest, context _: ServerContext
    ) async throws -> Spire_Api_Server_Localauthority_V1_RevokeWITAuthorityResponse { throw Self.noWIT }

    /// SPIRE's answer to every JWT method when JWT-SVIDs are disabled.
    private func checkJWTEnabled() throws {
        if authorities.jwtSVIDsDisabled { throw RPCError(code: .unimplemented, message: "JWT functionality is disabled") }
    }

    static let noWIT = RPCError(code: .unimplemented, message: "WIT-SVID functionality is not yet implemented")

    // MARK: Mapping

    /// Runs a change and pokes the entry index after it. A refusal becomes SPIRE's status; any other failure is
    /// internal, with `failure` as SPIRE's prefix.
    private func change<Result: Sendable>(_ failure: String = "internal error", _ body: () async throws -> Result) async throws -> Result {
        do {
            let result = try await body()
            changes.poke()
            return result
        } catch let refusal as LocalAuthorityRefusal {
            throw Self.rpcError(refusal)
        } catch {
            throw RPCError(code: .internalError, message: "\(failure): \(error)")
        }
    }

    /// The one error map of this API: SPIRE's code, and its message with the datastore's status appended as grpc-go
    /// prints one (`…: rpc error: code = InvalidArgument desc = root CA is already tainted`).
    static func rpcError(_ refusal: LocalAuthorityRefusal) -> RPCError {
        var message = refusal.message
        if let inner = refusal.inner {
            message += ": " + RPCError(code: code(inner.code), message: inner.message).goDescription
        }
        return RPCError(code: code(refusal.code), message: message)
    }

    private static func code(_ code: LocalAuthorityRefusal.Code) -> RPCError.Code {
        switch code {
        case .invalidArgument: .invalidArgument
        case .failedPrecondition: .failedPrecondition
        case .notFound: .notFound
        case .internalError: .internalError
        }
    }

    static func proto(_ state: LocalAuthorityState) -> Spire_Api_Server_Localauthority_V1_AuthorityState {
        var proto = Spire_Api_Server_Localauthority_V1_AuthorityState()
        proto.authorityID = state.id
        if let expiresAt = state.expiresAt { proto.expiresAt = Int64(expiresAt.timeIntervalSince1970.rounded(.down)) }
        proto.upstreamAuthoritySubjectKeyID = state.upstreamID
        return proto
    }
}
