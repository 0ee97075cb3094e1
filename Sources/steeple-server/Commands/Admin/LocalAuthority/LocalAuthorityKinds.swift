import SPIREAPIProto

/// `localauthority x509 …`: the X.509 CA.
enum X509Authorities: LocalAuthorityKind {
    static let commandName = "x509"
    static let label = "X.509"
    static let showsUpstream = true
    static let showFailure: String? = "could not get X.509 authorities"

    static func show(_ client: SPIRELocalAuthorityClient) async throws -> Spire_Api_Server_Localauthority_V1_GetX509AuthorityStateResponse {
        try await client.getX509AuthorityState(Spire_Api_Server_Localauthority_V1_GetX509AuthorityStateRequest())
    }

    static func prepare(_ client: SPIRELocalAuthorityClient) async throws -> Spire_Api_Server_Localauthority_V1_PrepareX509AuthorityResponse {
        try await client.prepareX509Authority(Spire_Api_Server_Localauthority_V1_PrepareX509AuthorityRequest())
    }

    static func activate(_ client: SPIRELocalAuthorityClient, id: String) async throws -> Spire_Api_Server_Localauthority_V1_ActivateX509AuthorityResponse {
        var request = Spire_Api_Server_Localauthority_V1_ActivateX509AuthorityRequest()
        request.authorityID = id
        return try await client.activateX509Authority(request)
    }

    static func taint(_ client: SPIRELocalAuthorityClient, id: String) async throws -> Spire_Api_Server_Localauthority_V1_TaintX509AuthorityResponse {
        var request = Spire_Api_Server_Localauthority_V1_TaintX509AuthorityRequest()
        request.authorityID = id
        return try await client.taintX509Authority(request)
    }

    static func revoke(_ client: SPIRELocalAuthorityClient, id: String) async throws -> Spire_Api_Server_Localauthority_V1_RevokeX509AuthorityResponse {
        var request = Spire_Api_Server_Localauthority_V1_RevokeX509AuthorityRequest()
        request.authorityID = id
        return try await client.revokeX509Authority(request)
    }

    static func slots(_ show: Spire_Api_Server_Localauthority_V1_GetX509AuthorityStateResponse) -> AuthorityPrinter.Slots {
        AuthorityPrinter.Slots(
            active: show.hasActive ? show.active : nil, prepared: show.hasPrepared ? show.prepared : nil, old: show.hasOld ? show.old : nil)
    }

    static func prepared(_ response: Spire_Api_Server_Localauthority_V1_PrepareX509AuthorityResponse) -> Spire_Api_Server_Localauthority_V1_AuthorityState? {
        response.hasPreparedAuthority ? response.preparedAuthority : nil
    }

    static func activated(_ response: Spire_Api_Server_Localauthority_V1_ActivateX509AuthorityResponse) -> Spire_Api_Server_Localauthority_V1_AuthorityState? {
        response.hasActivatedAuthority ? response.activatedAuthority : nil
    }

    static func tainted(_ response: Spire_Api_Server_Localauthority_V1_TaintX509AuthorityResponse) -> Spire_Api_Server_Localauthority_V1_AuthorityState? {
        response.hasTaintedAuthority ? response.taintedAuthority : nil
    }

    static func revoked(_ response: Spire_Api_Server_Localauthority_V1_RevokeX509AuthorityResponse) -> Spire_Api_Server_Localauthority_V1_AuthorityState? {
        response.hasRevokedAuthority ? response.revokedAuthority : nil
    }
}

/// `localauthority jwt …`: the JWT signing key.
enum JWTAuthorities: LocalAuthorityKind {
    static let commandName = "jwt"
    static let label = "JWT"
    static let showsUpstream = false
    static let showFailure: String? = nil

    static func show(_ client: SPIRELocalAuthorityClient) async throws -> Spire_Api_Server_Localauthority_V1_GetJWTAuthorityStateResponse {
        try await client.getJWTAuthorityState(Spire_Api_Server_Localauthority_V1_GetJWTAuthorityStateRequest())
    }

    static func prepare(_ client: SPIRELocalAuthorityClient) async throws -> Spire_Api_Server_Localauthority_V1_PrepareJWTAuthorityResponse {
        try await client.prepareJWTAuthority(Spire_Api_Server_Localauthority_V1_PrepareJWTAuthorityRequest())
    }

    static func activate(_ client: SPIRELocalAuthorityClient, id: String) async throws -> Spire_Api_Server_Localauthority_V1_ActivateJWTAuthorityResponse {
        var request = Spire_Api_Server_Localauthority_V1_ActivateJWTAuthorityRequest()
        request.authorityID = id
        return try await client.activateJWTAuthority(request)
    }

    static func taint(_ client: SPIRELocalAuthorityClient, id: String) async throws -> Spire_Api_Server_Localauthority_V1_TaintJWTAuthorityResponse {
        var request = Spire_Api_Server_Localauthority_V1_TaintJWTAuthorityRequest()
        request.authorityID = id
        return try await client.taintJWTAuthority(request)
    }

    static func revoke(_ client: SPIRELocalAuthorityClient, id: String) async throws -> Spire_Api_Server_Localauthority_V1_RevokeJWTAuthorityResponse {
        var request = Spire_Api_Server_Localauthority_V1_RevokeJWTAuthorityRequest()
        request.authorityID = id
        return try await client.revokeJWTAuthority(request)
    }

    static func slots(_ show: Spire_Api_Server_Localauthority_V1_GetJWTAuthorityStateResponse) -> AuthorityPrinter.Slots {
        AuthorityPrinter.Slots(
            active: show.hasActive ? show.active : nil, prepared: show.hasPrepared ? show.prepared : nil, old: show.hasOld ? show.old : nil)
    }

    static func prepared(_ response: Spire_Api_Server_Localauthority_V1_PrepareJWTAuthorityResponse) -> Spire_Api_Server_Localauthority_V1_AuthorityState? {
        response.hasPreparedAuthority ? response.preparedAuthority : nil
    }

    static func activated(_ response: Spire_Api_Server_Localauthority_V1_ActivateJWTAuthorityResponse) -> Spire_Api_Server_Localauthority_V1_AuthorityState? {
        response.hasActivatedAuthority ? response.activatedAuthority : nil
    }

    static func tainted(_ response: Spire_Api_Server_Localauthority_V1_TaintJWTAuthorityResponse) -> Spire_Api_Server_Localauthority_V1_AuthorityState? {
        response.hasTaintedAuthority ? response.taintedAuthority : nil
    }

    static func revoked(_ response: Spire_Api_Server_Localauthority_V1_RevokeJWTAuthorityResponse) -> Spire_Api_Server_Localauthority_V1_AuthorityState? {
        response.hasRevokedAuthority ? response.revokedAuthority : nil
    }
}
