import SPIREAPIProto

// The fields SPIRE's handlers add to their audit lines (`fieldsFrom…Proto` in its `pkg/server/api`), under its
// telemetry names, for the admin methods of SPIRE's server API.

extension Spire_Api_Types_SPIFFEID {
    var auditString: String { "spiffe://\(trustDomain)\(path)" }
}

extension Spire_Api_Types_Entry {
    /// SPIRE's `fieldsFromEntryProto`; `mask` limits the fields to those an update sets.
    func auditFields(mask: Spire_Api_Types_EntryMask? = nil) -> AuditFields {
        var fields: AuditFields = []
        if !id.isEmpty { fields.append(("entry_id", id)) }
        if mask?.spiffeID ?? true, hasSpiffeID { fields.append(("spiffe_id", spiffeID.auditString)) }
        if mask?.parentID ?? true, hasParentID { fields.append(("parent_id", parentID.auditString)) }
        if mask?.selectors ?? true, !selectors.isEmpty {
            fields.append(("selectors", selectors.map { "\($0.type):\($0.value)" }.joined(separator: ",")))
        }
        if mask?.x509SvidTtl ?? true { fields.append(("x509_svid_ttl", String(x509SvidTtl))) }
        if mask?.jwtSvidTtl ?? true { fields.append(("jwt_svid_ttl", String(jwtSvidTtl))) }
        if mask?.federatesWith ?? true, !federatesWith.isEmpty { fields.append(("federates_with", federatesWith.joined(separator: ","))) }
        if mask?.admin ?? true { fields.append(("admin", String(admin))) }
        if mask?.downstream ?? true { fields.append(("downstream", String(downstream))) }
        if mask?.expiresAt ?? true { fields.append(("expires_at", String(expiresAt))) }
        if mask?.dnsNames ?? true, !dnsNames.isEmpty { fields.append(("dns_name", dnsNames.joined(separator: ","))) }
        if mask?.revisionNumber ?? true { fields.append(("revision_number", String(revisionNumber))) }
        if mask?.storeSvid ?? true { fields.append(("store_svid", String(storeSvid))) }
        if mask?.hint ?? true { fields.append(("hint", hint)) }
        return fields
    }
}

extension Spire_Api_Server_Entry_V1_BatchCreateEntryRequest: AuditedRequest {
    var auditFields: [AuditFields] { entries.map { $0.auditFields() } }
}

extension Spire_Api_Server_Entry_V1_BatchUpdateEntryRequest: AuditedRequest {
    var auditFields: [AuditFields] { entries.map { $0.auditFields(mask: hasInputMask ? inputMask : nil) } }
}

extension Spire_Api_Server_Entry_V1_BatchDeleteEntryRequest: AuditedRequest {
    var auditFields: [AuditFields] { ids.map { [("entry_id", $0)] } }
}

extension Spire_Api_Server_Entry_V1_GetEntryRequest: AuditedRequest {
    var auditFields: [AuditFields] { [[("entry_id", id)]] }
}

extension Spire_Api_Server_Agent_V1_BanAgentRequest: AuditedRequest {
    var auditFields: [AuditFields] { [[("spiffe_id", id.auditString)]] }
}

extension Spire_Api_Server_Agent_V1_DeleteAgentRequest: AuditedRequest {
    var auditFields: [AuditFields] { [[("spiffe_id", id.auditString)]] }
}

extension Spire_Api_Server_Agent_V1_GetAgentRequest: AuditedRequest {
    var auditFields: [AuditFields] { [[("spiffe_id", id.auditString)]] }
}

extension Spire_Api_Server_Agent_V1_CreateJoinTokenRequest: AuditedRequest {
    var auditFields: [AuditFields] {
        var fields: AuditFields = [("ttl", String(ttl))]
        if hasAgentID { fields.append(("spiffe_id", agentID.auditString)) }
        return [fields]
    }
}

extension Spire_Api_Server_Bundle_V1_AppendBundleRequest: AuditedRequest {
    var auditFields: [AuditFields] {
        [[("x509_authorities", String(x509Authorities.count)), ("jwt_authorities", jwtAuthorities.map(\.keyID).joined(separator: ","))]]
    }
}

extension Spire_Api_Server_Bundle_V1_BatchCreateFederatedBundleRequest: AuditedRequest {
    var auditFields: [AuditFields] { bundle.map { [("trust_domain_id", $0.trustDomain)] } }
}

extension Spire_Api_Server_Bundle_V1_BatchUpdateFederatedBundleRequest: AuditedRequest {
    var auditFields: [AuditFields] { bundle.map { [("trust_domain_id", $0.trustDomain)] } }
}

extension Spire_Api_Server_Bundle_V1_BatchSetFederatedBundleRequest: AuditedRequest {
    var auditFields: [AuditFields] { bundle.map { [("trust_domain_id", $0.trustDomain)] } }
}

extension Spire_Api_Server_Bundle_V1_BatchDeleteFederatedBundleRequest: AuditedRequest {
    var auditFields: [AuditFields] { trustDomains.map { [("trust_domain_id", $0), ("mode", "\(mode)")] } }
}

extension Spire_Api_Server_Svid_V1_MintX509SVIDRequest: AuditedRequest {
    var auditFields: [AuditFields] { [[("ttl", String(ttl))]] }
}

extension Spire_Api_Server_Svid_V1_MintJWTSVIDRequest: AuditedRequest {
    var auditFields: [AuditFields] {
        [[("spiffe_id", id.auditString), ("audience", audience.joined(separator: ",")), ("ttl", String(ttl))]]
    }
}

extension Spire_Api_Server_Localauthority_V1_ActivateX509AuthorityRequest: AuditedRequest {
    var auditFields: [AuditFields] { [[("local_authority_id", authorityID)]] }
}

extension Spire_Api_Server_Localauthority_V1_TaintX509AuthorityRequest: AuditedRequest {
    var auditFields: [AuditFields] { [[("local_authority_id", authorityID)]] }
}

extension Spire_Api_Server_Localauthority_V1_RevokeX509AuthorityRequest: AuditedRequest {
    var auditFields: [AuditFields] { [[("local_authority_id", authorityID)]] }
}

extension Spire_Api_Server_Localauthority_V1_ActivateJWTAuthorityRequest: AuditedRequest {
    var auditFields: [AuditFields] { [[("local_authority_id", authorityID)]] }
}

extension Spire_Api_Server_Localauthority_V1_TaintJWTAuthorityRequest: AuditedRequest {
    var auditFields: [AuditFields] { [[("local_authority_id", authorityID)]] }
}

extension Spire_Api_Server_Localauthority_V1_RevokeJWTAuthorityRequest: AuditedRequest {
    var auditFields: [AuditFields] { [[("local_authority_id", authorityID)]] }
}

extension Spire_Api_Server_Localauthority_V1_TaintX509UpstreamAuthorityRequest: AuditedRequest {
    var auditFields: [AuditFields] { [[("subject_key_id", subjectKeyID)]] }
}

extension Spire_Api_Server_Localauthority_V1_RevokeX509UpstreamAuthorityRequest: AuditedRequest {
    var auditFields: [AuditFields] { [[("subject_key_id", subjectKeyID)]] }
}

extension Spire_Api_Server_Trustdomain_V1_BatchCreateFederationRelationshipRequest: AuditedRequest {
    var auditFields: [AuditFields] {
        federationRelationships.map { [("trust_domain_id", $0.trustDomain), ("bundle_endpoint_url", $0.bundleEndpointURL)] }
    }
}

extension Spire_Api_Server_Trustdomain_V1_BatchUpdateFederationRelationshipRequest: AuditedRequest {
    var auditFields: [AuditFields] {
        federationRelationships.map { [("trust_domain_id", $0.trustDomain), ("bundle_endpoint_url", $0.bundleEndpointURL)] }
    }
}

extension Spire_Api_Server_Trustdomain_V1_BatchDeleteFederationRelationshipRequest: AuditedRequest {
    var auditFields: [AuditFields] { trustDomains.map { [("trust_domain_id", $0)] } }
}

extension Spire_Api_Server_Logger_V1_SetLogLevelRequest: AuditedRequest {
    var auditFields: [AuditFields] { [[("new_log_level", "\(newLevel)")]] }
}

// Batch responses: each element's status, in request order.

extension Spire_Api_Server_Entry_V1_BatchCreateEntryResponse: AuditedBatchResponse {
    var auditStatuses: [(code: Int32, message: String)] { results.map { ($0.status.code, $0.status.message) } }
}

extension Spire_Api_Server_Entry_V1_BatchUpdateEntryResponse: AuditedBatchResponse {
    var auditStatuses: [(code: Int32, message: String)] { results.map { ($0.status.code, $0.status.message) } }
}

extension Spire_Api_Server_Entry_V1_BatchDeleteEntryResponse: AuditedBatchResponse {
    var auditStatuses: [(code: Int32, message: String)] { results.map { ($0.status.code, $0.status.message) } }
}

extension Spire_Api_Server_Bundle_V1_BatchCreateFederatedBundleResponse: AuditedBatchResponse {
    var auditStatuses: [(code: Int32, message: String)] { results.map { ($0.status.code, $0.status.message) } }
}

extension Spire_Api_Server_Bundle_V1_BatchUpdateFederatedBundleResponse: AuditedBatchResponse {
    var auditStatuses: [(code: Int32, message: String)] { results.map { ($0.status.code, $0.status.message) } }
}

extension Spire_Api_Server_Bundle_V1_BatchSetFederatedBundleResponse: AuditedBatchResponse {
    var auditStatuses: [(code: Int32, message: String)] { results.map { ($0.status.code, $0.status.message) } }
}

extension Spire_Api_Server_Bundle_V1_BatchDeleteFederatedBundleResponse: AuditedBatchResponse {
    var auditStatuses: [(code: Int32, message: String)] { results.map { ($0.status.code, $0.status.message) } }
}

extension Spire_Api_Server_Trustdomain_V1_BatchCreateFederationRelationshipResponse: AuditedBatchResponse {
    var auditStatuses: [(code: Int32, message: String)] { results.map { ($0.status.code, $0.status.message) } }
}

extension Spire_Api_Server_Trustdomain_V1_BatchUpdateFederationRelationshipResponse: AuditedBatchResponse {
    var auditStatuses: [(code: Int32, message: String)] { results.map { ($0.status.code, $0.status.message) } }
}

extension Spire_Api_Server_Trustdomain_V1_BatchDeleteFederationRelationshipResponse: AuditedBatchResponse {
    var auditStatuses: [(code: Int32, message: String)] { results.map { ($0.status.code, $0.status.message) } }
}
