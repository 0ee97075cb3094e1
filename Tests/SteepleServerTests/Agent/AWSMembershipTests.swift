import SPIFFE
import SPIFFETestSupport
@testable import SteepleServer
import Synchronization
import Testing

import Foundation

/// `aws_iid`'s membership checks without AWS: SPIRE's cache (a period, and at most five early reloads for strangers)
/// and `verify_organization` from `account_list_file`, which fails closed.
@Suite("aws_iid membership checks")
struct AWSMembershipTests {
    @Test("the cache loads once per period; a stranger reloads at once, at most five times per period; a new period loads again")
    func cache() async throws {
        let clock = Mutex(Date(timeIntervalSince1970: 1_000_000))
        let loads = Mutex(0)
        let cache = AWSMembershipCache(ttl: .seconds(180), now: { clock.withLock { $0 } })
        @Sendable func load() throws(AWSAPIError) -> Set<String> {
            loads.withLock { $0 += 1 }
            return ["111111111111"]
        }
        #expect(try await cache.contains("111111111111", load: load))
        #expect(try await cache.contains("111111111111", load: load))
        #expect(loads.withLock { $0 } == 1, "a member is answered from the cache")
        for _ in 0..<8 {
            #expect(try await !cache.contains("999999999999", load: load))
        }
        #expect(loads.withLock { $0 } == 6, "five early reloads, then none until the period ends")
        clock.withLock { $0 += 181 }
        #expect(try await !cache.contains("999999999999", load: load))
        #expect(loads.withLock { $0 } == 7, "a new period")
    }

    @Test("account_list_file: a member attests, a stranger is refused, and a file that became malformed fails closed")
    func accountListFile() async throws {
        let path = try CloudNodeAttestorTests.file(#"["123456789012"]"#)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let aws = try TestCloudIssuer()
        var attestor = try CloudNodeAttestorTests.aws(aws, store: try await CloudNodeAttestorTests.store(), accounts: [], skipBlockDevice: true)
        attestor.organization = (.file(path), AWSMembershipCache(ttl: .seconds(180)))
        func attest(account: String) async -> String {
            await CloudNodeAttestorTests.refusal {
                let document = CloudNodeAttestorTests.awsDocument(account: account)
                return try await attestor.attest(payload: try CloudNodeAttestorTests.awsPayload(document: document, signature: try aws.awsSignature(document: document))) { _ in [] }
            }
        }
        #expect(await attest(account: "123456789012") == "attested spiffe://example.org/spire/agent/aws_iid/123456789012/us-east-1/i-0123456789abcdef0")
        let stranger = await attest(account: "999999999999")
        #expect(stranger.contains("failed aws ec2 attestation, nodes account id: 999999999999 is not part of configured organization or doesn't have ACTIVE status"), "\(stranger)")
        try "[\"12345\"]".write(toFile: path, atomically: true, encoding: .utf8)
        let malformed = await attest(account: "888888888888")
        #expect(malformed.contains("issue while verifying if nodes account id: 888888888888 belong to org: failed to load org account list: invalid account id \"12345\""), "\(malformed)")
    }
}
