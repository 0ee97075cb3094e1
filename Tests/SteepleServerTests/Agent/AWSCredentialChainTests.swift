@testable import SteepleServer
import Synchronization
import Testing

import Foundation

/// Where `aws_iid` finds AWS credentials without `access_key_id`: the AWS SDKs' environment variables and shared
/// files, in their order; nothing found means no credentials, and `assume_role` then says what it lacks. (The
/// metadata, container and STS sources are run against a double in `AWSCredentialChainEndToEndTests`.)
@Suite("aws_iid credential chain")
struct AWSCredentialChainTests {
    /// An environment in which no source has credentials.
    static let empty = [
        "HOME": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials", "AWS_CONFIG_FILE": "/nonexistent/config", "AWS_EC2_METADATA_DISABLED": "true",
    ]

    static func file(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "steeple-aws-shared-\(UUID().uuidString.prefix(8))"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("plain_data keys first, then AWS_ACCESS_KEY_ID with AWS_SESSION_TOKEN; nothing anywhere is no credentials")
    func environment() async throws {
        let configured = AWSSigV4.Credentials(accessKeyID: "AKIACONFIG", secretAccessKey: "s")
        let variables = Self.empty.merging(["AWS_ACCESS_KEY_ID": "ASIAENV", "AWS_SECRET_ACCESS_KEY": "e", "AWS_SESSION_TOKEN": "t"]) { $1 }
        #expect(try await AWSCredentialChain(configured: configured, assumeRole: nil, partition: "aws", environment: variables).credentials(accountID: "1", region: "eu-west-1") == configured)
        #expect(try await AWSCredentialChain(configured: nil, assumeRole: nil, partition: "aws", environment: variables).credentials(accountID: "1", region: "eu-west-1")
            == AWSSigV4.Credentials(accessKeyID: "ASIAENV", secretAccessKey: "e", sessionToken: "t"))
        #expect(try await AWSCredentialChain(configured: nil, assumeRole: nil, partition: "aws", environment: Self.empty).credentials(accountID: "1", region: "eu-west-1") == nil)
        await #expect {
            try await AWSCredentialChain(configured: nil, assumeRole: "spire", partition: "aws", environment: Self.empty).credentials(accountID: "1", region: "eu-west-1")
        } throws: { "\($0)".contains("assuming role arn:aws:iam::1:role/spire needs credentials to call STS AssumeRole, and none were found") }
    }

    @Test("the shared files: AWS_PROFILE's section of the credentials file, else [profile name] of the config file; a profile with only a region gives none; a profile that needs more than keys is refused by name")
    func sharedFiles() async throws {
        let credentials = try Self.file("""
            # comment
            [default]
            aws_access_key_id = AKIADEFAULT
            aws_secret_access_key = default-secret

            [ops]
            aws_access_key_id=AKIAOPS
            aws_secret_access_key=ops/secret
            aws_session_token = ops-token
            """)
        let config = try Self.file("""
            [profile from-config]
            region = eu-west-1
            aws_access_key_id = AKIACONFIGFILE
            aws_secret_access_key = config-secret
            [profile region-only]
            region = eu-west-1
            [profile assumer]
            role_arn = arn:aws:iam::1:role/x
            source_profile = default
            """)
        defer {
            try? FileManager.default.removeItem(atPath: credentials)
            try? FileManager.default.removeItem(atPath: config)
        }
        func chain(_ profile: String?) -> AWSCredentialChain {
            var environment = Self.empty.merging(["AWS_SHARED_CREDENTIALS_FILE": credentials, "AWS_CONFIG_FILE": config]) { $1 }
            if let profile { environment["AWS_PROFILE"] = profile }
            return AWSCredentialChain(configured: nil, assumeRole: nil, partition: "aws", environment: environment)
        }
        #expect(try await chain(nil).credentials(accountID: "1", region: "r") == AWSSigV4.Credentials(accessKeyID: "AKIADEFAULT", secretAccessKey: "default-secret"))
        #expect(try await chain("ops").credentials(accountID: "1", region: "r") == AWSSigV4.Credentials(accessKeyID: "AKIAOPS", secretAccessKey: "ops/secret", sessionToken: "ops-token"))
        #expect(try await chain("from-config").credentials(accountID: "1", region: "r") == AWSSigV4.Credentials(accessKeyID: "AKIACONFIGFILE", secretAccessKey: "config-secret"))
        #expect(try await chain("absent").credentials(accountID: "1", region: "r") == nil)
        #expect(try await chain("region-only").credentials(accountID: "1", region: "r") == nil, "a profile with only a region: the chain goes on")
        await #expect {
            try await chain("assumer").credentials(accountID: "1", region: "r")
        } throws: { "\($0)".contains("profile \"assumer\" of \(config) uses role_arn, which Steeple does not read") }
    }

    @Test("temporary credentials without an expiration count as expiring after 15 minutes, so are read again after 10; once found, none found later is an error, not \"no credentials\"; AWS_PROFILE comes before the environment's keys")
    func renewal() async throws {
        let credentials = try Self.file("""
            [ops]
            aws_access_key_id = ASIAFIRST
            aws_secret_access_key = first
            aws_session_token = first-token
            """)
        defer { try? FileManager.default.removeItem(atPath: credentials) }
        let clock = Mutex(Date(timeIntervalSince1970: 2_000_000_000))
        let environment = Self.empty.merging([
            "AWS_SHARED_CREDENTIALS_FILE": credentials, "AWS_PROFILE": "ops", "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "env",
        ]) { $1 }
        let named = AWSCredentialChain(configured: nil, assumeRole: nil, partition: "aws", environment: environment, now: { clock.withLock { $0 } })
        #expect(try await named.credentials(accountID: "1", region: "r")?.accessKeyID == "ASIAFIRST", "the named profile before the environment's keys")
        let profileOnly = environment.merging(["AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""]) { $1 }
        let chain = AWSCredentialChain(configured: nil, assumeRole: nil, partition: "aws", environment: profileOnly, now: { clock.withLock { $0 } })
        #expect(try await chain.credentials(accountID: "1", region: "r")?.accessKeyID == "ASIAFIRST")
        try """
            [ops]
            aws_access_key_id = ASIASECOND
            aws_secret_access_key = second
            aws_session_token = second-token
            """.write(toFile: credentials, atomically: true, encoding: .utf8)
        clock.withLock { $0 += 300 }
        #expect(try await chain.credentials(accountID: "1", region: "r")?.accessKeyID == "ASIAFIRST", "kept for now")
        clock.withLock { $0 += 400 }
        #expect(try await chain.credentials(accountID: "1", region: "r")?.accessKeyID == "ASIASECOND", "read again")
        try FileManager.default.removeItem(atPath: credentials)
        clock.withLock { $0 += 1000 }
        let unnamed = AWSCredentialChain(configured: nil, assumeRole: nil, partition: "aws", environment: profileOnly, now: { clock.withLock { $0 } })
        #expect(try await unnamed.credentials(accountID: "1", region: "r") == nil, "never found: none")
        await #expect {
            try await chain.credentials(accountID: "1", region: "r")
        } throws: { "\($0)".contains("the server's AWS credentials expired and no source has new ones") }
    }
}
