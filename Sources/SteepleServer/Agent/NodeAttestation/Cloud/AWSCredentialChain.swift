import NIOHTTP1
import SteepleHTTP

import Foundation

/// The credentials `aws_iid` calls EC2 and IAM with, found as the AWS SDK for Go finds them for SPIRE
/// (`config.LoadDefaultConfig`), in this order:
///
/// 1. `access_key_id` and `secret_access_key` of `plugin_data`;
/// 2. `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`;
/// 3. a web identity (`AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN`, as EKS's IAM roles for service accounts set
///    them): STS `AssumeRoleWithWebIdentity` with the file's token, read at each exchange;
/// 4. the shared files' profile (``AWSSharedConfigFiles``);
/// 5. the container credentials endpoint (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` on 169.254.170.2, or
///    `AWS_CONTAINER_CREDENTIALS_FULL_URI`, with `AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)`), as ECS and EKS Pod
///    Identity set them;
/// 6. the instance's role from the instance metadata service (IMDSv2; `AWS_EC2_METADATA_SERVICE_ENDPOINT`,
///    `AWS_EC2_METADATA_DISABLED`).
///
/// With `assume_role`, as SPIRE: the role `arn:<partition>:iam::<the document's account>:role/<assume_role>` is assumed
/// with STS `AssumeRole`, signed with the credentials above, once per account until shortly before they expire.
///
/// `verify_organization`'s `assume_org_role` is assumed the same way, in the management account.
///
/// Temporary credentials are kept until five minutes before they expire (15 minutes when they do not say). When no
/// source has any, there are none (`nil`: the attestor then calls no AWS API) and the sources are asked again after a
/// minute, not at every attestation, since off EC2 the metadata service answers nothing until its timeout. Once
/// credentials were found, finding none later is an error, not "none". `AWS_PROFILE`, when set, comes before the
/// environment's keys, as in the SDK.
actor AWSCredentialChain {
    /// Credentials and when they stop working (nil: never).
    struct Expiring: Sendable {
        var credentials: AWSSigV4.Credentials
        var expiration: Date?
    }

    private let configured: AWSSigV4.Credentials?
    private let assumeRole: String?
    private let partition: String
    private let environment: [String: String]
    private let now: @Sendable () -> Date
    private var base: Expiring?
    private var noneUntil: Date?
    private var assumed: [String: Expiring] = [:]

    /// Credentials are used until this long before they expire.
    static let expiryWindow: TimeInterval = 300
    /// How long "no credentials anywhere" is believed.
    static let negativeCacheTime: TimeInterval = 60
    /// How long temporary credentials without an expiration are kept.
    static let unstatedLifetime: TimeInterval = 900

    init(configured: AWSSigV4.Credentials?, assumeRole: String?, partition: String, environment: [String: String], now: @escaping @Sendable () -> Date = { Date() }) {
        self.configured = configured
        self.assumeRole = assumeRole
        self.partition = partition
        self.environment = environment
        self.now = now
    }

    /// The credentials for calls about an instance of `accountID` in `region` (its `assume_role` role, if
    /// configured); nil when there are none.
    func credentials(accountID: String, region: String) async throws(AWSAPIError) -> AWSSigV4.Credentials? {
        try await credentials(assuming: assumeRole.map { "arn:\(partition):iam::\(accountID):role/\($0)" }, region: region)
    }

    /// The credentials of role `arn`, assumed with STS `AssumeRole` (kept until shortly before they expire), or the
    /// chain's own when `arn` is nil; nil when there are none.
    func credentials(assuming arn: String?, region: String) async throws(AWSAPIError) -> AWSSigV4.Credentials? {
        guard let base = try await baseCredentials(region: region) else {
            if let arn {
                throw AWSAPIError("assuming role \(arn) needs credentials to call STS AssumeRole, and none were found (plugin_data, the environment, a web identity, the shared files, the container or instance metadata)")
            }
            return nil
        }
        guard let arn else { return base }
        if let cached = assumed[arn], fresh(cached) { return cached.credentials }
        let result = try await sts(region: region, credentials: base, parameters: [
            ("Action", "AssumeRole"), ("Version", "2011-06-15"), ("RoleArn", arn), ("RoleSessionName", sessionName()),
        ], result: "AssumeRoleResult", what: "assume role \(arn)")
        assumed[arn] = result
        return result.credentials
    }

    private func fresh(_ credentials: Expiring) -> Bool {
        guard let expiration = credentials.expiration else { return true }
        return now().addingTimeInterval(Self.expiryWindow) < expiration
    }

    private func baseCredentials(region: String) async throws(AWSAPIError) -> AWSSigV4.Credentials? {
        if let configured { return configured }
        if let base, fresh(base) { return base.credentials }
        if base == nil, let noneUntil, now() < noneUntil { return nil }
        guard var found = try await resolve(region: region) else {
            if base != nil {
                // Credentials that worked are gone: an error, not "no credentials", so that no attestation quietly
                // goes without the checks and selectors they gave.
                throw AWSAPIError("the server's AWS credentials expired and no source has new ones")
            }
            noneUntil = now().addingTimeInterval(Self.negativeCacheTime)
            return nil
        }
        // Temporary credentials that do not say when they expire are asked for again after a while.
        if found.expiration == nil, found.credentials.sessionToken != nil {
            found.expiration = now().addingTimeInterval(Self.unstatedLifetime)
        }
        base = found
        noneUntil = nil
        return found.credentials
    }

    private func value(_ name: String) -> String? {
        environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    private func resolve(region: String) async throws(AWSAPIError) -> Expiring? {
        // A profile named explicitly comes before the environment's keys, as in the SDK.
        if value("AWS_PROFILE") != nil, let shared = try AWSSharedConfigFiles.credentials(environment: environment) {
            return Expiring(credentials: shared)
        }
        if let id = value("AWS_ACCESS_KEY_ID") ?? value("AWS_ACCESS_KEY"), let secret = value("AWS_SECRET_ACCESS_KEY") ?? value("AWS_SECRET_KEY") {
            return Expiring(credentials: .init(accessKeyID: id, secretAccessKey: secret, sessionToken: value("AWS_SESSION_TOKEN")))
        }
        if let tokenFile = value("AWS_WEB_IDENTITY_TOKEN_FILE"), let role = value("AWS_ROLE_ARN") {
            return try await webIdentity(tokenFile: tokenFile, role: role, region: region)
        }
        if let shared = try AWSSharedConfigFiles.credentials(environment: environment) {
            return Expiring(credentials: shared)
        }
        if let container = try await containerCredentials() {
            return container
        }
        return try await instanceRoleCredentials()
    }

    // MARK: STS

    private func sessionName() -> String {
        "steeple-server-\(Int(now().timeIntervalSince1970 * 1000))"
    }

    private func webIdentity(tokenFile: String, role: String, region: String) async throws(AWSAPIError) -> Expiring {
        guard let token = try? String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty else {
            throw AWSAPIError("AWS_WEB_IDENTITY_TOKEN_FILE \(tokenFile) cannot be read or is empty")
        }
        return try await sts(region: region, credentials: nil, parameters: [
            ("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleArn", role), ("RoleSessionName", value("AWS_ROLE_SESSION_NAME") ?? sessionName()),
            ("WebIdentityToken", token),
        ], result: "AssumeRoleWithWebIdentityResult", what: "assume role \(role) with the web identity of \(tokenFile)")
    }

    private func sts(region: String, credentials: AWSSigV4.Credentials?, parameters: [(String, String)], result: String, what: String) async throws(AWSAPIError) -> Expiring {
        let stsRegion = region.isEmpty ? (value("AWS_REGION") ?? value("AWS_DEFAULT_REGION") ?? "us-east-1") : region
        let endpoint = AWSAPIClient.endpointOverride("STS", environment: environment) ?? "https://sts.\(stsRegion).\(AWSAPIClient.domain(partition: partition))"
        let answer: SimpleXML
        do {
            answer = try await AWSAPIClient.query(endpoint: endpoint, region: stsRegion, service: "sts", parameters: parameters, credentials: credentials, environment: environment)
        } catch {
            throw AWSAPIError("failed to \(what): \(error.message)")
        }
        guard let issued = answer.child(result)?.child("Credentials"),
              let id = issued.value("AccessKeyId"), let secret = issued.value("SecretAccessKey"), let token = issued.value("SessionToken") else {
            throw AWSAPIError("failed to \(what): STS answered without Credentials")
        }
        return Expiring(credentials: .init(accessKeyID: id, secretAccessKey: secret, sessionToken: token), expiration: AWSIIDAttestor.time(issued.value("Expiration")))
    }

    // MARK: Container and instance metadata

    /// The JSON both endpoints answer with.
    private struct MetadataCredentials: Decodable {
        var Code: String?
        var Message: String?
        var AccessKeyId: String?
        var SecretAccessKey: String?
        var Token: String?
        var Expiration: String?
    }

    private func containerCredentials() async throws(AWSAPIError) -> Expiring? {
        let location: String
        if let relative = value("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            location = "http://169.254.170.2" + relative
        } else if let full = value("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
            location = full
        } else {
            return nil
        }
        var headers: [(String, String)] = []
        if let file = value("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
            guard let token = try? String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) else {
                throw AWSAPIError("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \(file) cannot be read")
            }
            headers.append(("Authorization", token))
        } else if let token = value("AWS_CONTAINER_AUTHORIZATION_TOKEN") {
            headers.append(("Authorization", token))
        }
        let body = try await metadata(location, headers: headers, what: "the container credentials endpoint")
        return try decode(body, from: location)
    }

    private func instanceRoleCredentials() async throws(AWSAPIError) -> Expiring? {
        if value("AWS_EC2_METADATA_DISABLED")?.lowercased() == "true" { return nil }
        var root = value("AWS_EC2_METADATA_SERVICE_ENDPOINT") ?? "http://169.254.169.254"
        while root.hasSuffix("/") { root.removeLast() }
        // IMDSv2: a session token first. No answer at all (refused, unreachable, silent) means no metadata service:
        // not on EC2, no credentials. An answer that is an error is an error.
        guard let tokenURL = URL(string: root + "/latest/api/token") else { throw AWSAPIError("\(root) is not a URL") }
        let answer: HTTPGet.Response
        do {
            answer = try await CloudAPIRequest.send(
                tokenURL, method: .PUT, headers: [("X-aws-ec2-metadata-token-ttl-seconds", "21600")], environment: environment, timeout: .seconds(2))
        } catch {
            return nil
        }
        guard answer.status == 200 else {
            throw AWSAPIError("the instance metadata service answered \(answer.status) to PUT /latest/api/token")
        }
        let token = String(decoding: answer.body, as: UTF8.self)
        let session = [("X-aws-ec2-metadata-token", token)]
        let listing = try await metadata(root + "/latest/meta-data/iam/security-credentials/", headers: session, what: "the instance metadata service")
        guard let role = listing.split(whereSeparator: \.isNewline).first.map({ $0.trimmingCharacters(in: .whitespaces) }), !role.isEmpty else {
            throw AWSAPIError("the instance metadata service lists no IAM role for this instance: attach an instance profile")
        }
        let location = root + "/latest/meta-data/iam/security-credentials/" + role
        return try decode(try await metadata(location, headers: session, what: "the instance metadata service"), from: location)
    }

    private func metadata(_ location: String, method: HTTPMethod = .GET, headers: [(String, String)], what: String) async throws(AWSAPIError) -> String {
        guard let url = URL(string: location) else { throw AWSAPIError("\(location) is not a URL") }
        let response: HTTPGet.Response
        do {
            response = try await CloudAPIRequest.send(url, method: method, headers: headers, environment: environment, timeout: .seconds(2))
        } catch {
            throw AWSAPIError("\(what) did not answer: \(error.description)")
        }
        let body = String(decoding: response.body, as: UTF8.self)
        guard response.status == 200 else {
            throw AWSAPIError("\(what) answered \(response.status) to \(method) \(url.path()): \(body.prefix(200))")
        }
        return body
    }

    private func decode(_ body: String, from location: String) throws(AWSAPIError) -> Expiring {
        guard let answer = try? JSONDecoder().decode(MetadataCredentials.self, from: Data(body.utf8)) else {
            throw AWSAPIError("\(location) answered with something other than credentials JSON")
        }
        if let code = answer.Code, code != "Success" {
            throw AWSAPIError("\(location) answered \(code): \(answer.Message ?? "")")
        }
        guard let id = answer.AccessKeyId, let secret = answer.SecretAccessKey, !id.isEmpty, !secret.isEmpty else {
            throw AWSAPIError("\(location) answered without AccessKeyId and SecretAccessKey")
        }
        return Expiring(credentials: .init(accessKeyID: id, secretAccessKey: secret, sessionToken: answer.Token.flatMap { $0.isEmpty ? nil : $0 }), expiration: AWSIIDAttestor.time(answer.Expiration))
    }
}
