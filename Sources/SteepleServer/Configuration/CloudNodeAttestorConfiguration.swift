/// `NodeAttestor "gcp_iit"`, SPIRE's keys and defaults, plus Steeple's `key_set_url`.
package struct GCPIITConfiguration: Sendable, Hashable {
    /// `projectid_allow_list`: the projects whose instances may attest; at least one.
    package var projectIDAllowList: [String]
    /// `agent_path_template`; SPIRE's default `/{{ .PluginName }}/{{ .ProjectID }}/{{ .InstanceID }}`.
    package var agentPathTemplate = "/{{ .PluginName }}/{{ .ProjectID }}/{{ .InstanceID }}"
    /// `key_set_url` (Steeple only): where Google's token signing keys are read, an `https://` URL or a file path, as
    /// a JWK Set or PEM certificates by `kid`; SPIRE's source by default.
    package var keySetURL = "https://www.googleapis.com/oauth2/v1/certs"
    /// `use_instance_metadata`: read the instance from the Compute Engine API for `tag`, `label` and `metadata`
    /// selectors.
    package var useInstanceMetadata = false
    /// `allowed_label_keys` and `allowed_metadata_keys`: the labels and metadata that become selectors.
    package var allowedLabelKeys: Set<String> = []
    package var allowedMetadataKeys: Set<String> = []
    /// `max_metadata_value_size`: a longer allowed metadata value fails attestation (SPIRE's default 128).
    package var maxMetadataValueSize = 128
    /// `service_account_file`: the Compute API's credentials; nil means Application Default Credentials.
    package var serviceAccountFile: String?
    /// `compute_endpoint` (Steeple only): the Compute API's root.
    package var computeEndpoint = "https://compute.googleapis.com/compute/v1/"

    package init(projectIDAllowList: [String]) {
        self.projectIDAllowList = projectIDAllowList
    }
}

/// `NodeAttestor "aws_iid"`, SPIRE's keys, plus Steeple's `aws_ca_certificate_path`.
package struct AWSIIDConfiguration: Sendable, Hashable {
    /// `aws_ca_certificate_path` (Steeple only): PEM certificates to verify instance identity signatures with, any
    /// of them for any region, instead of AWS's own per-region certificates, which are built in as in SPIRE.
    package var caCertificatePath: String?
    /// `account_ids_for_local_validation`: accounts whose instances need no block device check.
    package var accountIDsForLocalValidation: [String] = []
    /// `skip_block_device`: no block device check for any account.
    package var skipBlockDevice = false
    /// `agent_path_template`; SPIRE's default `/{{ .PluginName }}/{{ .AccountID }}/{{ .Region }}/{{ .InstanceID }}`.
    package var agentPathTemplate = "/{{ .PluginName }}/{{ .AccountID }}/{{ .Region }}/{{ .InstanceID }}"
    /// `partition`: `aws` (default), `aws-cn` or `aws-us-gov`.
    package var partition = "aws"
    /// `access_key_id` and `secret_access_key`: credentials for EC2 and IAM; without them, the AWS SDKs' default
    /// chain (environment, web identity, shared files, container, instance role); with none anywhere, no AWS API is
    /// called.
    package var accessKeyID: String?
    package var secretAccessKey: String?
    /// `assume_role`: the name of a role, in the attesting instance's account, to assume for the AWS calls.
    package var assumeRole: String?
    /// `disable_instance_profile_selectors`: no `iamrole:` selectors (no IAM call).
    package var disableInstanceProfileSelectors = false
    /// `verify_organization`: the instance's account must be an active member of an AWS Organization.
    package var verifyOrganization: Organization?
    /// `validate_eks_cluster_membership = { eks_cluster_names }`: the instance must be in an Auto Scaling group of a
    /// node group of one of these EKS clusters.
    package var eksClusterNames: [String]?

    /// `verify_organization`, SPIRE's keys: the account list from the Organizations API (`management_account_id`,
    /// `assume_org_role`, `management_account_region`, default `us-west-2`) or from `account_list_file`, kept for
    /// `org_account_map_ttl` (default 3 minutes, at least 1).
    package struct Organization: Sendable, Hashable {
        package var managementAccountID: String?
        package var assumeOrgRole: String?
        package var managementAccountRegion = "us-west-2"
        package var accountListFile: String?
        package var accountListTTL: Duration = .seconds(180)
    }

    package init(caCertificatePath: String? = nil) {
        self.caCertificatePath = caCertificatePath
    }
}

/// `NodeAttestor "azure_msi"`, SPIRE's keys, plus Steeple's `key_set_url` and `resource_manager_endpoint`.
package struct AzureMSIConfiguration: Sendable, Hashable {
    /// One tenant of `tenants`.
    package struct Tenant: Sendable, Hashable {
        /// `resource_id`: the resource (audience) its tokens must be for; SPIRE's default `https://management.azure.com/`.
        package var resourceID = "https://management.azure.com/"
        /// `subscription_id`, `app_id` and `app_secret`: an app registration for the Resource Manager API (all three,
        /// or none: then no selectors).
        package var subscriptionID: String?
        package var appID: String?
        package var appSecret: String?

        package init() {}
    }

    /// `tenants`: by tenant ID; at least one.
    package var tenants: [String: Tenant]
    /// `agent_path_template`; SPIRE's default `/{{ .PluginName }}/{{ .TenantID }}/{{ .PrincipalID }}`.
    package var agentPathTemplate = "/{{ .PluginName }}/{{ .TenantID }}/{{ .PrincipalID }}"
    /// `key_set_url` (Steeple only): where Microsoft's token signing keys are read, an `https://` URL or a file path,
    /// as a JWK Set; by default the `jwks_uri` of SPIRE's OIDC issuer `https://login.microsoftonline.com/common/`.
    package var keySetURL = "https://login.microsoftonline.com/common/discovery/keys"
    /// `resource_manager_endpoint` (Steeple only): the Resource Manager API's root.
    package var resourceManagerEndpoint = "https://management.azure.com/"

    package init(tenants: [String: Tenant]) {
        self.tenants = tenants
    }
}
