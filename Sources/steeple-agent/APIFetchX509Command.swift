import ArgumentParser
import Foundation
import GRPCCore
import SPIFFE
import SPIFFEWorkloadAPI
import SPIREAPIProto
import SteepleAgent
import SteepleCLI
import X509

/// `api fetch x509 [-write DIR] [-silent]`: prints the caller's X509-SVIDs and, with `-write`, stores them as SPIRE does
/// (`svid.N.pem`, `svid.N.key`, `bundle.N.pem`, `federated_bundle.N.M.pem`).
struct APIFetchX509Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "x509", abstract: "Fetches the caller's X509-SVIDs.")

    @OptionGroup var options: WorkloadAPIOptions
    @Option(name: .spire("write"), help: "Directory to write the SVIDs, keys and bundles to.")
    var write: String?
    @Flag(name: .spire("silent"), help: "Print nothing (with -write).")
    var silent = false
    @Option(name: .spire("output"), help: "pretty (default) or json: the X509SVIDResponse as SPIRE prints it.")
    var output: APIOutputFormat = .pretty

    func validate() throws {
        if output == .json, write != nil { throw ValidationError("-write is only available for pretty output format") }
    }

    func run() async throws {
        let started = ContinuousClock.now
        let context = try await runReporting { try await options.withClient { try await $0.fetchX509Context() } }
        let elapsed = ContinuousClock.now - started
        if output == .json { return try APIOutputJSON.print(APIOutputJSON.x509(context)) }
        if !silent {
            print("Received \(context.svids.count) svid after \(X509Printing.milliseconds(elapsed))\n")
            for svid in context.svids { X509Printing.print(svid, bundles: context.bundles) }
        }
        if let write { try X509Printing.write(context, to: write, quiet: silent) }
    }
}

/// Output shared by `api fetch x509` and `api watch`, in SPIRE's layout.
enum X509Printing {
    static func milliseconds(_ duration: Duration) -> String {
        let ms = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        return String(format: "%.3fms", ms)
    }

    static func print(_ svid: X509SVID, bundles: X509BundleSet) {
        Swift.print("SPIFFE ID:\t\t\(svid.id)")
        if !svid.hint.isEmpty { Swift.print("Hint:\t\t\t\(svid.hint)") }
        Swift.print("SVID Valid After:\t\(svid.leaf.notValidBefore)")
        Swift.print("SVID Valid Until:\t\(svid.leaf.notValidAfter)")
        for (index, certificate) in svid.certificates.dropFirst().enumerated() {
            Swift.print("Intermediate #\(index + 1) Valid After:\t\(certificate.notValidBefore)")
            Swift.print("Intermediate #\(index + 1) Valid Until:\t\(certificate.notValidAfter)")
        }
        for (index, authority) in (bundles.x509Bundle(for: svid.id.trustDomain)?.x509Authorities ?? []).enumerated() {
            Swift.print("CA #\(index + 1) Valid After:\t\(authority.notValidBefore)")
            Swift.print("CA #\(index + 1) Valid Until:\t\(authority.notValidAfter)")
        }
        Swift.print("")
    }

    static func write(_ context: X509Context, to directory: String, quiet: Bool) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (index, svid) in context.svids.enumerated() {
            let base = directory.hasSuffix("/") ? directory : directory + "/"
            try writeFile(base + "svid.\(index).pem", svid.chainPEM, mode: 0o644, quiet: quiet)
            try writeFile(base + "svid.\(index).key", svid.privateKeyPEM, mode: 0o600, quiet: quiet)
            if let bundle = context.bundles.x509Bundle(for: svid.id.trustDomain) {
                try writeFile(base + "bundle.\(index).pem", bundle.pemRepresentation, mode: 0o644, quiet: quiet)
            }
            let federated = context.bundles.all.filter { $0.trustDomain != svid.id.trustDomain }
            for (number, bundle) in federated.enumerated() {
                try writeFile(base + "federated_bundle.\(index).\(number).pem", bundle.pemRepresentation, mode: 0o644, quiet: quiet)
            }
        }
    }

    private static func writeFile(_ path: String, _ text: String, mode: Int, quiet: Bool) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: mode]) else {
            throw CLIFailure("cannot write \(path)")
        }
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        if !quiet { Swift.print("Writing \((path as NSString).lastPathComponent) to file \(path)") }
    }
}

extension WorkloadAPIError {
    /// The error as SPIRE's CLI prints a failed call: `rpc error: code = <Go name> desc = <message>`; the code is the
    /// refused call's gRPC code when there is one, else this error's own code, capitalized as Go's names are.
    var goDescription: String {
        let code = (cause as? RPCError)?.code.goName ?? "\(self.code)".prefix(1).uppercased() + "\(self.code)".dropFirst()
        return "rpc error: code = \(code) desc = \(message)"
    }
}

/// Runs a Workload API call, turning its error into SPIRE's `rpc error: code = … desc = …` line and exit status 1.
func runReporting<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let failure as CLIFailure {
        FileHandle.standardError.write(Data("\(failure)\n".utf8))
        throw ExitCode.failure
    } catch let error as WorkloadAPIError {
        FileHandle.standardError.write(Data("\(error.goDescription)\n".utf8))
        throw ExitCode.failure
    } catch {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        throw ExitCode.failure
    }
}
