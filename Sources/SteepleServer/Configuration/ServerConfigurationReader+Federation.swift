import SPIFFE
import SteepleConfig
import SteepleDatastore

extension ServerConfigurationReader {
    /// `server { federation { bundle_endpoint { … } federates_with "td" { … } } }`, as SPIRE reads it.
    mutating func readFederation(_ body: ConfigBody, trustDomain: TrustDomain) throws(ServerConfigurationError) -> FederationConfiguration {
        try format(body.rejectUnknownKeys(allowed: ["bundle_endpoint", "federates_with"], context: "server.federation"))
        var federation = FederationConfiguration()
        if let endpoint = try format(body.block("bundle_endpoint")) {
            federation.bundleEndpoint = try readBundleEndpoint(endpoint)
        }
        for block in try format(body.blocks("federates_with", labels: 1)) {
            let name = block.labels[0]
            let section = "server.federation.federates_with[\"\(name)\"]"
            let foreign: TrustDomain
            do {
                foreign = try TrustDomain(name)
            } catch {
                throw invalid(section, found: name, expected: "a trust domain name such as example.org (\(error.message))", cause: error)
            }
            guard foreign != trustDomain else {
                throw invalid(section, found: name, expected: "a foreign trust domain: a server does not federate with its own trust domain")
            }
            guard !federation.federatesWith.contains(where: { $0.trustDomain == foreign }) else {
                throw invalid(section, found: name, expected: "one federates_with block per trust domain")
            }
            federation.federatesWith.append(try readRelationship(block.body, trustDomain: foreign, section: section))
        }
        return federation
    }

    private mutating func readBundleEndpoint(_ body: ConfigBody) throws(ServerConfigurationError) -> BundleEndpointConfiguration {
        let section = "server.federation.bundle_endpoint"
        try format(body.rejectUnknownKeys(allowed: ["address", "port", "refresh_hint", "profile", "acme"], context: section))
        var endpoint = BundleEndpointConfiguration()
        if let address = try string(body, "address", in: section) { endpoint.address = address }
        if let port = try int(body, "port", in: section) {
            guard (1 ... 65535).contains(port) else {
                throw invalid(section + ".port", found: String(port), expected: "a TCP port from 1 to 65535")
            }
            endpoint.port = port
        }
        if let hint = try duration(body, "refresh_hint", in: section) {
            guard hint >= .seconds(1) else {
                throw invalid(section + ".refresh_hint", found: "\(hint)", expected: "a duration of at least 1s, such as \"5m\"")
            }
            endpoint.refreshHint = hint
        }
        if try format(body.block("acme")) != nil {
            throw ServerConfiguration.invalidValue(
                section + ".acme", source: nil, file: path,
                "ACME is not supported yet: use profile \"https_web\" { serving_cert_file { cert_file_path, key_file_path } } with a certificate from your ACME client, or the default https_spiffe profile"
            )
        }
        let profiles = try format(body.blocks("profile", labels: 1))
        guard profiles.count <= 1 else {
            throw invalid(section + ".profile", found: profiles.map(\.labels[0]).joined(separator: ", "), expected: "exactly one profile block")
        }
        if let profile = profiles.first {
            switch profile.labels[0] {
            case "https_spiffe":
                try format(profile.body.rejectUnknownKeys(allowed: [], context: section + ".profile \"https_spiffe\""))
                endpoint.profile = .httpsSPIFFE
            case "https_web":
                let web = section + ".profile \"https_web\""
                try format(profile.body.rejectUnknownKeys(allowed: ["serving_cert_file", "acme"], context: web))
                if try format(profile.body.block("acme")) != nil {
                    throw ServerConfiguration.invalidValue(
                        web + ".acme", source: nil, file: path,
                        "ACME is not supported yet: give serving_cert_file { cert_file_path, key_file_path } with a certificate from your ACME client"
                    )
                }
                guard let files = try format(profile.body.block("serving_cert_file")) else {
                    throw ServerConfiguration.invalidValue(
                        web, source: nil, file: path, "https_web needs serving_cert_file { cert_file_path = \"…\" key_file_path = \"…\" }")
                }
                let filesSection = web + ".serving_cert_file"
                try format(files.rejectUnknownKeys(allowed: ["cert_file_path", "key_file_path", "file_sync_interval"], context: filesSection))
                guard let cert = try string(files, "cert_file_path", in: filesSection), !cert.isEmpty,
                    let key = try string(files, "key_file_path", in: filesSection), !key.isEmpty
                else {
                    throw ServerConfiguration.invalidValue(
                        filesSection, source: nil, file: path, "cert_file_path and key_file_path are both required")
                }
                let interval = try duration(files, "file_sync_interval", in: filesSection) ?? .seconds(60)
                guard interval >= .seconds(1) else {
                    throw invalid(filesSection + ".file_sync_interval", found: "\(interval)", expected: "a duration of at least 1s")
                }
                endpoint.profile = .httpsWeb(certFilePath: cert, keyFilePath: key, fileSyncInterval: interval)
            case let other:
                throw invalid(section + ".profile", found: other, expected: "\"https_spiffe\" or \"https_web\"")
            }
        }
        return endpoint
    }

    private mutating func readRelationship(_ body: ConfigBody, trustDomain: TrustDomain, section: String) throws(ServerConfigurationError) -> FederationRelationship {
        try format(body.rejectUnknownKeys(allowed: ["bundle_endpoint_url", "bundle_endpoint_profile"], context: section))
        guard let url = try string(body, "bundle_endpoint_url", in: section), !url.isEmpty else {
            throw ServerConfiguration.invalidValue(section + ".bundle_endpoint_url", source: nil, file: path, "\(section).bundle_endpoint_url must be configured")
        }
        guard url.lowercased().hasPrefix("https://") else {
            throw invalid(section + ".bundle_endpoint_url", found: url, expected: "a URL that uses the HTTPS protocol")
        }
        let profiles = try format(body.blocks("bundle_endpoint_profile", labels: 1))
        guard profiles.count == 1, let profile = profiles.first else {
            throw ServerConfiguration.invalidValue(
                section + ".bundle_endpoint_profile", source: nil, file: path,
                "exactly one bundle endpoint profile is expected: bundle_endpoint_profile \"https_spiffe\" { endpoint_spiffe_id = \"spiffe://…\" } or bundle_endpoint_profile \"https_web\" {}"
            )
        }
        let profileSection = section + ".bundle_endpoint_profile \"\(profile.labels[0])\""
        switch profile.labels[0] {
        case "https_web":
            try format(profile.body.rejectUnknownKeys(allowed: [], context: profileSection))
            return FederationRelationship(trustDomain: trustDomain, bundleEndpointURL: url, profile: .httpsWeb)
        case "https_spiffe":
            try format(profile.body.rejectUnknownKeys(allowed: ["endpoint_spiffe_id"], context: profileSection))
            guard let text = try string(profile.body, "endpoint_spiffe_id", in: profileSection), !text.isEmpty else {
                throw ServerConfiguration.invalidValue(profileSection, source: nil, file: path, "https_spiffe needs endpoint_spiffe_id, the SPIFFE ID of the peer's bundle endpoint server (spiffe://\(trustDomain.name)/spire/server for a SPIRE or Steeple server)")
            }
            do {
                return FederationRelationship(trustDomain: trustDomain, bundleEndpointURL: url, profile: .httpsSPIFFE(endpointSPIFFEID: try SPIFFEID(text)))
            } catch {
                throw invalid(profileSection + ".endpoint_spiffe_id", found: text, expected: "a SPIFFE ID (\(error.message))", cause: error)
            }
        case let other:
            throw invalid(section + ".bundle_endpoint_profile", found: other, expected: "\"https_spiffe\" or \"https_web\"")
        }
    }
}
