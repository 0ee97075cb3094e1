import Foundation

/// The AWS SDKs' shared files: static keys of a profile from the credentials file (`AWS_SHARED_CREDENTIALS_FILE`,
/// else `~/.aws/credentials`, sections `[name]`) or the config file (`AWS_CONFIG_FILE`, else `~/.aws/config`,
/// sections `[profile name]` and `[default]`). The profile is `AWS_PROFILE`, else `default`.
///
/// Only static keys are read; a profile without them (only a `region`, say) gives none and the chain goes on. A
/// profile that asks for more (`role_arn`, `credential_process`, `sso_*`, `web_identity_token_file`) is refused by
/// name at each attestation rather than skipped, so that the server does not quietly use other credentials than the
/// operator meant.
enum AWSSharedConfigFiles {
    /// The profile's keys; nil when neither file has the profile.
    static func credentials(environment: [String: String]) throws(AWSAPIError) -> AWSSigV4.Credentials? {
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "/root"
        let profile = environment["AWS_PROFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        let credentialsFile = environment["AWS_SHARED_CREDENTIALS_FILE"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.aws/credentials"
        let configFile = environment["AWS_CONFIG_FILE"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.aws/config"
        let sources: [(path: String, section: String)] = [
            (credentialsFile, profile),
            (configFile, profile == "default" ? "default" : "profile \(profile)"),
        ]
        for (path, section) in sources {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8), let keys = sections(text)[section] else { continue }
            for unsupported in ["role_arn", "credential_process", "sso_session", "sso_start_url", "web_identity_token_file"] where keys[unsupported] != nil {
                throw AWSAPIError(
                    "profile \"\(profile)\" of \(path) uses \(unsupported), which Steeple does not read: give the profile aws_access_key_id and aws_secret_access_key, or use assume_role in plugin_data")
            }
            // A profile without keys (only a region, say) gives no credentials: the chain goes on, as the SDK's.
            guard let id = keys["aws_access_key_id"], let secret = keys["aws_secret_access_key"], !id.isEmpty, !secret.isEmpty else { continue }
            return AWSSigV4.Credentials(accessKeyID: id, secretAccessKey: secret, sessionToken: keys["aws_session_token"].flatMap { $0.isEmpty ? nil : $0 })
        }
        return nil
    }

    /// An INI file's sections, each a map of its `key = value` lines (keys lowercased, `#` and `;` comments).
    static func sections(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                let name = line.dropFirst().dropLast().split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
                current = name
                sections[name, default: [:]] = sections[name] ?? [:]
                continue
            }
            guard let current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            sections[current, default: [:]][key] = value
        }
        return sections
    }
}
