import SPIFFE
import SPIFFETestSupport
import Crypto
import X509
import _CryptoExtras

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Hot paths of the SPIFFE core library: every Workload API response, TLS handshake and token check runs them.
enum CoreBenchmarks {
    static func run(_ runner: inout BenchmarkRunner) async throws {
        let short = "spiffe://example.org/ns/default/sa/web"
        let long = "spiffe://prod.cluster-01.example.org/" + Array(repeating: "segment", count: 30).joined(separator: "/")
        try runner.measure("SPIFFEID parse (38 B)", iterations: 2_000_000) { _ = try SPIFFEID(short) }
        try runner.measure("SPIFFEID parse (279 B)", iterations: 300_000) { _ = try SPIFFEID(long) }

        let root = TestCA(trustDomain: try TrustDomain("example.org"))
        let direct = root.makeSVID(try SPIFFEID(short))
        let intermediate = root.intermediate()
        let chained = intermediate.makeSVID(try SPIFFEID(short))
        let chainDER = direct.chainDER
        let keyDER = direct.privateKeyDER
        try runner.measure("X509SVID parse (DER chain + PKCS#8)", iterations: 20_000) {
            _ = try X509SVID(chainDER: chainDER, privateKeyDER: keyDER)
        }
        let now = Date()
        let bundle = root.bundle
        try await runner.measure("X509SVID verify (leaf → root)", iterations: 5_000) {
            _ = try await X509SVIDVerifier.verify(chain: direct.certificates, bundles: bundle, at: now)
        }
        try await runner.measure("X509SVID verify (leaf → intermediate → root)", iterations: 3_000) {
            _ = try await X509SVIDVerifier.verify(chain: chained.certificates, bundles: bundle, at: now)
        }
        let raw = chained.certificates.map { Array(X509Bundle(trustDomain: root.trustDomain, x509Authorities: [$0]).derRepresentation) }
        try await runner.measure("X509SVID parse + verify (raw DER chain)", iterations: 3_000) {
            _ = try await X509SVIDVerifier.verify(rawChain: raw, bundles: bundle, at: now)
        }
    
        try jwt(&runner, now: now)
    }

    static func jwt(_ runner: inout BenchmarkRunner, now: Date) throws {
        let subject = try SPIFFEID("spiffe://example.org/ns/default/sa/web")
        let td = subject.trustDomain
        let keys: [(String, JWTSigningKey)] = [
            ("ES256", try JWTSigningKey(P256.Signing.PrivateKey(), keyID: "es256-key")),
            ("ES384", try JWTSigningKey(P384.Signing.PrivateKey(), keyID: "es384-key")),
            ("RS256", try JWTSigningKey(try _RSA.Signing.PrivateKey(keySize: .bits2048), keyID: "rs256-key")),
        ]
        for (name, key) in keys {
            let iterations = name == "RS256" ? 2_000 : 20_000
            try runner.measure("JWTSVID sign (\(name))", iterations: iterations) {
                _ = try JWTSVID.sign(subject: subject, audience: ["api"], expiresAt: now.addingTimeInterval(300), issuedAt: now, key: key)
            }
            let token = try JWTSVID.sign(subject: subject, audience: ["api"], expiresAt: now.addingTimeInterval(300), issuedAt: now, key: key).token
            let bundle = JWTBundle(trustDomain: td, jwtAuthorities: [key.keyID: key.publicKey])
            try runner.measure("JWTSVID parse + validate (\(name))", iterations: iterations) {
                _ = try JWTSVID.parseAndValidate(token: token, bundles: bundle, audience: ["api"], now: now)
            }
        }
    }
}
