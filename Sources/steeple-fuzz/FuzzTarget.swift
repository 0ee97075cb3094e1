#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One fuzz target: a name (also its corpus directory, `Fuzz/Corpus/<name>/`) and a function that feeds one input
/// to the code under test. The function returns normally for every input the code accepts or refuses; a trap
/// (failed precondition, arithmetic overflow, out-of-bounds index, force-unwrap of nil) is the finding.
struct FuzzTarget: Sendable {
    let name: String
    /// What the input is and what it reaches.
    let summary: String
    let run: @Sendable ([UInt8]) -> Void
}

enum FuzzTargets {
    /// Every target, in the order `replay-all` and `mutate-all` run them.
    static let all: [FuzzTarget] = [
        IDTargets.spiffeID,
        IDTargets.trustDomain,
        IDTargets.workloadAPIEndpoint,
        JWTTargets.jwtSVID,
        JWTTargets.jwks,
        BundleTargets.spiffeBundle,
        X509Targets.x509SVID,
        X509Targets.csr,
        ConfigTargets.hcl,
        ConfigTargets.json,
        WorkloadAPITargets.messages,
        AdminTargets.messages,
        AdminTargets.handlers,
        X509PoPTargets.messages,
        AgentAPITargets.messages,
        AgentAPITargets.attestHandler,
        GRPCFramingTargets.deframer,
        GRPCFramingTargets.requestHead,
    ]

    static func named(_ name: String) -> FuzzTarget? {
        all.first { $0.name == name }
    }
}

/// `STEEPLE_FUZZ_VERBOSE=1` prints what the handler targets return or throw, to check that seeds reach deep.
enum FuzzLog {
    static let verbose = ProcessInfo.processInfo.environment["STEEPLE_FUZZ_VERBOSE"] == "1"

    static func outcome<T>(_ target: String, _ body: () throws -> T) {
        do {
            let value = try body()
            if verbose { print("\(target): ok \(String(describing: value).prefix(160))") }
        } catch {
            if verbose { print("\(target): \(String(describing: error).prefix(300))") }
        }
    }
}
