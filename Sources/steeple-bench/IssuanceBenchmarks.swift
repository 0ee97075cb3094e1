import Crypto
import Foundation
import SPIFFE
import SPIFFECA
import SteepleAgent
import SwiftASN1
import Synchronization
import X509

/// How fast the server's CA turns CSRs into X509-SVIDs (parse and check the CSR, build, sign and validate the
/// certificate: the work of one `BatchSignX509SVID` item) and signs JWT-SVIDs, on one core and on all cores, next to
/// `openssl speed ecdsap256` in the same run: the physical limit of one ECDSA P-256 signature.
enum IssuanceBenchmarks {
    static func run(scale: Double, report: MarkdownReport) async throws {
        let trustDomain = try TrustDomain("example.org")
        let caKey = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let authority = try X509Authority.selfSigned(trustDomain: trustDomain, privateKey: caKey, subject: CertificateAuthority.defaultSVIDSubject, ttl: .seconds(86400), now: Date())
        let ca = CertificateAuthority(trustDomain: trustDomain, x509Authority: authority)
        // What the server's handlers call: one typed operation per item, the credential validated before it returns.
        let issuer = Issuer(
            x509: ca, jwtKey: try JWTSigningKey(P256.Signing.PrivateKey(), keyID: "bench"), jwtKeyNotAfter: Date() + 86400,
            policy: IssuancePolicy(x509SVIDTTL: .seconds(3600), jwtSVIDTTL: .seconds(300), agentSVIDTTL: .seconds(3600))
        )
        // The agent's own CSRs, as BatchSignX509SVID receives them.
        let csrs: [[UInt8]] = try (0..<200).map { _ in try CSRBuilder.csr(for: CSRBuilder.newKey()) }
        let id = try SPIFFEID("spiffe://example.org/ns/bench/sa/web")
        let seconds = scale < 1 ? 0.2 : 3.0
        let cores = ProcessInfo.processInfo.activeProcessorCount

        // As the BatchSignX509SVID handler: the SVID, then the chain's DER that goes on the wire.
        let x509: @Sendable (Int) throws -> Void = { index in
            _ = try issuer.issueWorkloadX509SVID(WorkloadX509SVIDRequest(spiffeID: id, csr: csrs[index % csrs.count])).chainDER
        }
        let jwt: @Sendable (Int) throws -> Void = { _ in
            _ = try issuer.issueWorkloadJWTSVID(WorkloadJWTSVIDRequest(spiffeID: id, audience: ["bench"]))
        }
        // The raw ES256 signature of a JWT-sized input with the same library: what a JWT-SVID cannot beat.
        let rawKey = P256.Signing.PrivateKey()
        let rawInput = Array(repeating: UInt8(ascii: "a"), count: 220)
        let rawES256: @Sendable (Int) throws -> Void = { _ in
            _ = try rawKey.signature(for: rawInput)
        }
        var rows: [[String]] = []
        var perCore: [String: Double] = [:]
        for (name, work) in [("X509-SVID from CSR (ES256 CA)", x509), ("JWT-SVID (ES256, validated before release)", jwt), ("ES256 signature alone (swift-crypto)", rawES256)] {
            let one = try await rate(threads: 1, seconds: seconds, work)
            let all = try await rate(threads: cores, seconds: seconds, work)
            perCore[name] = one
            rows.append([name, LatencySample.format(one, digits: 0), LatencySample.format(all, digits: 0)])
        }
        let x509PerCore = perCore["X509-SVID from CSR (ES256 CA)"] ?? 0
        let jwtPerCore = perCore["JWT-SVID (ES256, validated before release)"] ?? 0
        let rawPerCore = perCore["ES256 signature alone (swift-crypto)"] ?? 1
        let openssl = opensslSpeed(seconds: scale < 1 ? 1 : 3, multi: 1)
        let opensslAll = opensslSpeed(seconds: scale < 1 ? 1 : 3, multi: cores)
        rows.append(["openssl speed ecdsap256: sign", openssl.map { LatencySample.format($0.sign, digits: 0) } ?? "n/a", opensslAll.map { LatencySample.format($0.sign, digits: 0) } ?? "n/a"])
        rows.append(["openssl speed ecdsap256: verify", openssl.map { LatencySample.format($0.verify, digits: 0) } ?? "n/a", opensslAll.map { LatencySample.format($0.verify, digits: 0) } ?? "n/a"])
        let header = ["operation", "per second, 1 core", "per second, \(cores) cores"]
        printTable("Issuance (in-process CA, release figures only mean something with -c release)", header: header, rows: rows)
        if let openssl {
            // Proof of possession costs one ECDSA verify of the CSR per SVID besides the CA's signature: no issuer that
            // checks CSRs can beat one sign plus one verify.
            let bound = 1 / (1 / openssl.sign + 1 / openssl.verify)
            report.target(
                "Issuance", goal: "≥ 50 % of `openssl speed ecdsap256` sign, per core",
                figure: "\(LatencySample.format(x509PerCore, digits: 0))/s = \(LatencySample.format(100 * x509PerCore / openssl.sign, digits: 0)) % of \(LatencySample.format(openssl.sign, digits: 0))/s",
                met: x509PerCore >= openssl.sign / 2,
                obstacle: "each SVID needs the CSR's signature verified (proof of possession) as well as the CA's own: one sign plus one verify is at most \(LatencySample.format(bound, digits: 0))/s = \(LatencySample.format(100 * bound / openssl.sign, digits: 0)) % of the sign rate on this machine, and we reach \(LatencySample.format(100 * x509PerCore / bound, digits: 0)) % of that bound"
            )
            report.target(
                "X509-SVID issuance (issue #20)", goal: "≥ 90 % of one `openssl speed ecdsap256` sign plus one verify, per core",
                figure: "\(LatencySample.format(x509PerCore, digits: 0))/s = \(LatencySample.format(100 * x509PerCore / bound, digits: 0)) % of \(LatencySample.format(bound, digits: 0))/s",
                met: x509PerCore >= 0.9 * bound,
                obstacle: "CSR parsing, the certificate's encoding and the serial's randomness cost \(LatencySample.format(1e6 / x509PerCore - 1e6 / bound, digits: 1)) µs beyond the two ECDSA operations"
            )
        }
        report.target(
            "JWT-SVID issuance (issue #20)", goal: "≥ 80 % of the raw ES256 signature rate, per core",
            figure: "\(LatencySample.format(jwtPerCore, digits: 0))/s = \(LatencySample.format(100 * jwtPerCore / rawPerCore, digits: 0)) % of \(LatencySample.format(rawPerCore, digits: 0))/s",
            met: jwtPerCore >= 0.8 * rawPerCore,
            obstacle: "the token's JSON, base64url and validation cost \(LatencySample.format(1e6 / jwtPerCore - 1e6 / rawPerCore, digits: 1)) µs beyond the signature"
        )
        report.add("Issuance", intro: "The server's signing work per `BatchSignX509SVID` item (CSR parse and proof-of-possession check, the certificate written from the authority's fixed template since issue #20, ECDSA P-256 signature, the chain's DER for the wire) and per JWT-SVID (signed, then validated on its claims before release: since issue #20 its JSON is written directly and not parsed back), next to the raw ES256 signature with the same library and OpenSSL's raw P-256 rates, measured in the same run.", header: header, rows: rows)
    }

    /// Operations per second of `work` on `threads` OS threads for about `seconds`.
    static func rate(threads: Int, seconds: Double, _ work: @escaping @Sendable (Int) throws -> Void) async throws -> Double {
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<threads {
                group.addTask {
                    try await withCheckedThrowingContinuation { continuation in
                        let thread = Thread {
                            let deadline = Date() + seconds
                            var count = 0
                            do {
                                while Date() < deadline {
                                    for _ in 0..<20 { try work(count); count += 1 }
                                }
                                continuation.resume(returning: count)
                            } catch {
                                continuation.resume(throwing: error)
                            }
                        }
                        thread.start()
                    }
                }
            }
            var total = 0
            for try await count in group { total += count }
            return total
        }
        return Double(counts) / seconds
    }

    /// `openssl speed ecdsap256` sign/s and verify/s, or nil when openssl is missing. openssl times its loops with
    /// SIGALRM, which the concurrency runtime's threads block and a spawned child inherits blocked; so it is spawned
    /// from a thread of its own with every signal unblocked.
    static func opensslSpeed(seconds: Int, multi: Int) -> (sign: Double, verify: Double)? {
        let result = Mutex<(sign: Double, verify: Double)?>(nil)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            var empty = sigset_t()
            sigemptyset(&empty)
            pthread_sigmask(SIG_SETMASK, &empty, nil)
            let speed = runOpensslSpeed(seconds: seconds, multi: multi)
            result.withLock { $0 = speed }
            done.signal()
        }
        thread.start()
        done.wait()
        return result.withLock { $0 }
    }

    private static func runOpensslSpeed(seconds: Int, multi: Int) -> (sign: Double, verify: Double)? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["speed", "-seconds", "\(seconds)"] + (multi > 1 ? ["-multi", "\(multi)"] : []) + ["ecdsap256"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // " 256 bits ecdsa (nistp256)   0.0000s   0.0001s  48469.0  16926.0"
        guard let line = output.split(separator: "\n").last(where: { $0.contains("ecdsa (nistp256)") }) else { return nil }
        let numbers = line.split(separator: " ").compactMap { Double($0) }
        guard numbers.count >= 3 else { return nil }
        return (numbers[numbers.count - 2], numbers[numbers.count - 1])
    }
}
