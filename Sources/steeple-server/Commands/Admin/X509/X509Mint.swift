import ArgumentParser
import SteepleCLI
import Foundation
import SPIFFE
import Crypto
import SPIREAPIProto
import SwiftASN1
import X509

/// `x509 mint`: mints an X509-SVID for any SPIFFE ID of the trust domain, as SPIRE's CLI does: a P-256 key made
/// here, a CSR naming the ID and the DNS names, SPIRE's `MintX509SVID`, then `GetBundle` for the root CAs.
struct X509Mint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mint",
        abstract: "Mints an X509-SVID"
    )

    @Option(name: .spire("spiffeID"), help: "SPIFFE ID of the X509-SVID")
    var spiffeID: String?

    @Option(name: .spire("dns"), help: "DNS name that will be included in SVID. Can be used more than once.")
    var dnsNames: [String] = []

    @Option(name: .spire("ttl"), help: "TTL of the X509-SVID, as a Go duration (1h) or seconds (0: server default)")
    var ttl = TTLArgument(seconds: 0)

    @Option(name: .spire("write"), help: "Directory to write output to instead of stdout")
    var writeDirectory: String?

    @OptionGroup var options: AdminOptions

    func validate() throws {
        _ = try request()
    }

    /// The request the flags describe.
    ///
    /// - Throws: ``CLIError`` `spiffeID must be specified`, or naming the malformed ID.
    func request() throws(CLIError) -> (id: SPIFFEID, dnsNames: [String], ttl: Int32) {
        guard let spiffeID, !spiffeID.isEmpty else {
            throw CLIError("spiffeID must be specified")
        }
        return (try IDArgument.spiffeID(spiffeID, flag: "spiffeID"), dnsNames, ttl.seconds)
    }

    func run() async throws {
        let (id, dnsNames, ttl) = try request()
        let key = P256.Signing.PrivateKey()
        var mint = Spire_Api_Server_Svid_V1_MintX509SVIDRequest()
        do {
            mint.csr = Data(try Self.csr(id: id, dnsNames: dnsNames, key: key))
        } catch {
            throw CLIError("unable to generate CSR: \(error)")
        }
        mint.ttl = ttl
        let sent = mint
        let (svid, bundle) = try await withAdminGRPCClient(socketPath: options.socketPath) { grpc in
            let minted = try await SPIRESVIDClient(wrapping: grpc).mintX509SVID(sent).svid
            guard !minted.certChain.isEmpty else { throw CLIError("server response missing SVID chain") }
            let bundle = try await SPIREBundleClient(wrapping: grpc).getBundle(Spire_Api_Server_Bundle_V1_GetBundleRequest())
            return (minted, bundle)
        }
        let result = try X509MintResult(
            checking: svid.certChain.map { Array($0) },
            privateKey: Array(key.derRepresentation),
            rootCAs: bundle.x509Authorities.map { Array($0.asn1) })
        if ttl > 0, svid.expiresAt - Int64(Date().timeIntervalSince1970) < Int64(ttl) - 1 {
            Console.err("X509-SVID lifetime was capped shorter than specified ttl; expires \(GoFormatting.quoted(GoFormatting.rfc3339(unixSeconds: svid.expiresAt)))\n")
        }
        if let writeDirectory {
            let paths = try X509MintWriter.writeFiles(result, into: writeDirectory)
            Console.out(X509MintWriter.report(paths))
            return
        }
        switch options.output {
        case .pretty: Console.out(result.pretty)
        case .json: Console.out(result.json)
        }
    }

    /// A PKCS#10 request for `key`, naming `id` (URI SAN) and `dnsNames`, as SPIRE's `x509 mint` sends.
    static func csr(id: SPIFFEID, dnsNames: [String], key: P256.Signing.PrivateKey) throws -> [UInt8] {
        var names: [GeneralName] = [.uniformResourceIdentifier(id.string)]
        names += dnsNames.map { .dnsName($0) }
        let extensions = try Certificate.Extensions { SubjectAlternativeNames(names) }
        let request = try CertificateSigningRequest(
            version: .v1,
            subject: DistinguishedName(),
            privateKey: Certificate.PrivateKey(key),
            attributes: try CertificateSigningRequest.Attributes([.init(ExtensionRequest(extensions: extensions))]),
            signatureAlgorithm: .ecdsaWithSHA256)
        var serializer = DER.Serializer()
        try serializer.serialize(request)
        return serializer.serializedBytes
    }
}
