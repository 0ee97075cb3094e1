import SteepleConfig

/// `NodeAttestor "gcp_iit"`, `"aws_iid"` and `"azure_msi"`: SPIRE's keys. `gcp_iit` calls the Compute Engine API
/// when `use_instance_metadata` asks for it, `aws_iid` EC2 and IAM when it has credentials, `azure_msi` the Resource
/// Manager for tenants with an app registration; settings that need what Steeple does not call (STS, Organizations,
/// EKS) are refused. Each plugin has a Steeple key naming where its signing keys or certificates are read.
extension ServerConfigurationReader {
    mutating func readCloudAttestor(
        _ name: String, _ data: ConfigBody, _ block: ConfigBlock, section: String, into configuration: inout ServerConfiguration
    ) throws(ServerConfigurationError) {
        switch name {
        case "gcp_iit": configuration.nodeAttestors.gcpIIT = try gcpIIT(data, block, section: section)
        case "aws_iid": configuration.nodeAttestors.awsIID = try awsIID(data, block, section: section)
        default: configuration.nodeAttestors.azureMSI = try azureMSI(data, block, section: section)
        }
    }

    private mutating func gcpIIT(_ data: ConfigBody, _ block: ConfigBlock, section: String) throws(ServerConfigurationError) -> GCPIITConfiguration {
        try format(data.rejectUnknownKeys(
            allowed: [
                "projectid_allow_list", "agent_path_template", "use_instance_metadata", "allowed_label_keys", "allowed_metadata_keys",
                "max_metadata_value_size", "service_account_file", "key_set_url", "compute_endpoint",
            ],
            context: "plugin_data of \(block.displayName)"))
        let projects = try format(data.stringList("projectid_allow_list")) ?? []
        guard !projects.isEmpty else {
            throw ServerConfigurationError(.missingKey, at: data.position, in: path, "projectid_allow_list is required in plugin_data of \(block.displayName)")
        }
        var configuration = GCPIITConfiguration(projectIDAllowList: projects)
        configuration.agentPathTemplate = try template(data, section: section, fields: GCPIITAttestor.templateFields) ?? configuration.agentPathTemplate
        configuration.keySetURL = try keySetURL(data, section: section) ?? configuration.keySetURL
        configuration.useInstanceMetadata = try bool(data, "use_instance_metadata", in: section) ?? false
        configuration.allowedLabelKeys = Set(try format(data.stringList("allowed_label_keys")) ?? [])
        configuration.allowedMetadataKeys = Set(try format(data.stringList("allowed_metadata_keys")) ?? [])
        if let size = try int(data, "max_metadata_value_size", in: section), size != 0 {
            guard size > 0 else {
                throw ServerConfigurationError(.invalidValue, at: position(of: "\(section).max_metadata_value_size"), in: path, "max_metadata_value_size must be positive")
            }
            configuration.maxMetadataValueSize = size
        }
        configuration.serviceAccountFile = try string(data, "service_account_file", in: section).flatMap { $0.isEmpty ? nil : $0 }
        if let endpoint = try string(data, "compute_endpoint", in: section), !endpoint.isEmpty {
            guard endpoint.hasPrefix("https://") || endpoint.hasPrefix("http://") else {
                throw ServerConfigurationError(.invalidValue, at: position(of: "\(section).compute_endpoint"), in: path, "compute_endpoint \"\(endpoint)\" must be an https:// (or http://) URL")
            }
            configuration.computeEndpoint = endpoint
        }
        return configuration
    }

    private mutating func awsIID(_ data: ConfigBody, _ block: ConfigBlock, section: String) throws(ServerConfigurationError) -> AWSIIDConfiguration {
        try format(data.rejectUnknownKeys(
            allowed: [
                "aws_ca_certificate_path", "account_ids_for_local_validation", "skip_block_device", "agent_path_template", "partition",
                "access_key_id", "secret_access_key", "disable_instance_profile_selectors", "assume_role", "verify_organization",
                "validate_eks_cluster_membership",
            ],
            context: "plugin_data of \(block.displayName)"))
        var configuration = AWSIIDConfiguration(caCertificatePath: try string(data, "aws_ca_certificate_path", in: section).flatMap { $0.isEmpty ? nil : $0 })
        configuration.assumeRole = try string(data, "assume_role", in: section).flatMap { $0.isEmpty ? nil : $0 }
        if let organization = try format(data.block("verify_organization")) {
            configuration.verifyOrganization = try awsOrganization(organization, section: section + ".verify_organization")
        }
        if let eks = try format(data.block("validate_eks_cluster_membership")) {
            try format(eks.rejectUnknownKeys(allowed: ["eks_cluster_names"], context: "validate_eks_cluster_membership of \(block.displayName)"))
            let names = try format(eks.stringList("eks_cluster_names")) ?? []
            guard !names.isEmpty, !names.contains(where: \.isEmpty) else {
                throw ServerConfigurationError(
                    .missingKey, at: eks.position, in: path,
                    "please ensure that \"eks_cluster_names\" is present inside block or remove the block: \"validate_eks_cluster_membership\"")
            }
            configuration.eksClusterNames = names
        }
        configuration.accountIDsForLocalValidation = try format(data.stringList("account_ids_for_local_validation")) ?? []
        configuration.skipBlockDevice = try bool(data, "skip_block_device", in: section) ?? false
        configuration.disableInstanceProfileSelectors = try bool(data, "disable_instance_profile_selectors", in: section) ?? false
        configuration.accessKeyID = try string(data, "access_key_id", in: section).flatMap { $0.isEmpty ? nil : $0 }
        configuration.secretAccessKey = try string(data, "secret_access_key", in: section).flatMap { $0.isEmpty ? nil : $0 }
        // SPIRE's session configuration rule and words.
        switch (configuration.accessKeyID, configuration.secretAccessKey) {
        case (_?, nil):
            throw ServerConfigurationError(.missingKey, at: data.position, in: path, "configuration missing secret access key, but has access key id")
        case (nil, _?):
            throw ServerConfigurationError(.missingKey, at: data.position, in: path, "configuration missing access key id, but has secret access key")
        default:
            break
        }
        configuration.agentPathTemplate = try template(data, section: section, fields: AWSIIDAttestor.templateFields, maps: AWSIIDAttestor.templateMaps) ?? configuration.agentPathTemplate
        if let partition = try string(data, "partition", in: section), !partition.isEmpty {
            let partitions = ["aws", "aws-cn", "aws-us-gov"]
            guard partitions.contains(partition) else {
                throw ServerConfigurationError(
                    .invalidValue, at: position(of: "\(section).partition"), in: path,
                    "invalid partition \"\(partition)\", must be one of: [\(partitions.joined(separator: " "))]")
            }
            configuration.partition = partition
        }
        return configuration
    }

    /// `verify_organization`, checked as SPIRE's `validateOrganizationConfig`, in its words.
    private mutating func awsOrganization(_ body: ConfigBody, section: String) throws(ServerConfigurationError) -> AWSIIDConfiguration.Organization {
        try format(body.rejectUnknownKeys(
            allowed: ["management_account_id", "assume_org_role", "management_account_region", "org_account_map_ttl", "account_list_file"],
            context: "verify_organization"))
        func nonEmpty(_ key: String) throws(ServerConfigurationError) -> String? {
            try string(body, key, in: section).flatMap { $0.isEmpty ? nil : $0 }
        }
        var organization = AWSIIDConfiguration.Organization()
        organization.managementAccountID = try nonEmpty("management_account_id")
        organization.assumeOrgRole = try nonEmpty("assume_org_role")
        organization.accountListFile = try nonEmpty("account_list_file")
        if let region = try nonEmpty("management_account_region") { organization.managementAccountRegion = region }
        if let file = organization.accountListFile {
            guard organization.managementAccountID == nil, organization.assumeOrgRole == nil else {
                throw ServerConfigurationError(
                    .invalidValue, at: body.position, in: path,
                    "\"account_list_file\" is mutually exclusive with \"management_account_id\" and \"assume_org_role\" in the block: \"verify_organization\"")
            }
            do {
                _ = try AWSOrganizationValidator.accounts(inFile: file)
            } catch {
                throw ServerConfigurationError(
                    .invalidValue, at: position(of: section + ".account_list_file"), in: path,
                    "invalid \"account_list_file\" in the block: \"verify_organization\": \(error)")
            }
        } else if organization.managementAccountID == nil || organization.assumeOrgRole == nil {
            throw ServerConfigurationError(
                .missingKey, at: body.position, in: path,
                "please ensure that \"management_account_id\" & \"assume_org_role\" are present inside block or remove the block: \"verify_organization\" for feature node attestation using account id verification")
        }
        if let ttl = try string(body, "org_account_map_ttl", in: section), !ttl.isEmpty {
            guard let parsed = try? GoDuration.parse(ttl) else {
                throw ServerConfigurationError(
                    .invalidValue, at: position(of: section + ".org_account_map_ttl"), in: path,
                    "please ensure that \"org_account_map_ttl\" if configured, it should be in duration and is suffixed with required 'm' for time duration in minute ex. '5m'. Otherwise, remove the: \"org_account_map_ttl\", in the block: \"verify_organization\". Default TTL will be: \"3m\"")
            }
            guard parsed >= .seconds(60) else {
                throw ServerConfigurationError(
                    .invalidValue, at: position(of: section + ".org_account_map_ttl"), in: path,
                    "please ensure that \"org_account_map_ttl\" if configured, it should be greater than or equal to \"1m\". Otherwise remove the: \"org_account_map_ttl\", in the block: \"verify_organization\". Default TTL will be: \"3m\"")
            }
            organization.accountListTTL = parsed
        }
        return organization
    }

    private mutating func azureMSI(_ data: ConfigBody, _ block: ConfigBlock, section: String) throws(ServerConfigurationError) -> AzureMSIConfiguration {
        try format(data.rejectUnknownKeys(allowed: ["tenants", "agent_path_template", "key_set_url", "resource_manager_endpoint"], context: "plugin_data of \(block.displayName)"))
        var tenants: [String: AzureMSIConfiguration.Tenant] = [:]
        for entry in try format(data.blocks("tenants", labels: 1)) {
            let tenantID = entry.labels[0]
            let body = entry.body
            try format(body.rejectUnknownKeys(
                allowed: ["resource_id", "subscription_id", "app_id", "app_secret"], context: "tenant \"\(tenantID)\" of \(block.displayName)"))
            var tenant = AzureMSIConfiguration.Tenant()
            if let resource = try format(body.string("resource_id")), !resource.isEmpty { tenant.resourceID = resource }
            tenant.subscriptionID = try format(body.string("subscription_id")).flatMap { $0.isEmpty ? nil : $0 }
            tenant.appID = try format(body.string("app_id")).flatMap { $0.isEmpty ? nil : $0 }
            tenant.appSecret = try format(body.string("app_secret")).flatMap { $0.isEmpty ? nil : $0 }
            // SPIRE's rule and words: an app registration is all three or none.
            if tenant.subscriptionID != nil || tenant.appID != nil || tenant.appSecret != nil {
                for (value, what) in [(tenant.subscriptionID, "subscription id"), (tenant.appID, "app id"), (tenant.appSecret, "app secret")] where value == nil {
                    throw ServerConfigurationError(.missingKey, at: entry.position, in: path, "misconfigured tenant \"\(tenantID)\": missing \(what)")
                }
            }
            tenants[tenantID] = tenant
        }
        guard !tenants.isEmpty else {
            throw ServerConfigurationError(.missingKey, at: data.position, in: path, "configuration must have at least one tenant (tenants = { \"<tenant id>\" = {} } in plugin_data of \(block.displayName))")
        }
        var configuration = AzureMSIConfiguration(tenants: tenants)
        configuration.agentPathTemplate = try template(data, section: section, fields: AzureMSIAttestor.templateFields) ?? configuration.agentPathTemplate
        configuration.keySetURL = try keySetURL(data, section: section) ?? configuration.keySetURL
        if let endpoint = try string(data, "resource_manager_endpoint", in: section), !endpoint.isEmpty {
            guard endpoint.hasPrefix("https://") || endpoint.hasPrefix("http://") else {
                throw ServerConfigurationError(.invalidValue, at: position(of: "\(section).resource_manager_endpoint"), in: path, "resource_manager_endpoint \"\(endpoint)\" must be an https:// (or http://) URL")
            }
            configuration.resourceManagerEndpoint = endpoint
        }
        return configuration
    }

    private mutating func template(_ data: ConfigBody, section: String, fields: Set<String>, maps: Set<String> = []) throws(ServerConfigurationError) -> String? {
        guard let source = try string(data, "agent_path_template", in: section), !source.isEmpty else { return nil }
        do {
            _ = try AgentPathTemplate(source, fields: fields, maps: maps)
        } catch {
            throw ServerConfigurationError(.unsupportedValue, at: position(of: "\(section).agent_path_template"), in: path, "failed to parse agent path template: \(error.message)")
        }
        return source
    }

    private mutating func keySetURL(_ data: ConfigBody, section: String) throws(ServerConfigurationError) -> String? {
        guard let location = try string(data, "key_set_url", in: section), !location.isEmpty else { return nil }
        guard CloudKeySetSource.isValid(location) else {
            throw ServerConfigurationError(
                .invalidValue, at: position(of: "\(section).key_set_url"), in: path,
                "key_set_url \"\(location)\" must be an https:// URL or a file path (absolute, or file://)")
        }
        return location
    }
}
