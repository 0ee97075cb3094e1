import Foundation
import SPIFFE
import SteepleServerAPIProto

/// Turns the data given to `bundle set` into the federated bundle the admin API stores.
enum BundleInput {
    /// The bundle of `trustDomain` from `data` in `format`.
    ///
    /// PEM certificates become a SPIFFE bundle document holding them as `x509-svid` keys. A SPIFFE bundle document
    /// is checked and sent as given, with its `spiffe_sequence`.
    ///
    /// - Throws: ``CLIError`` `unable to parse bundle data: …` when the data is not valid in the format.
    static func bundle(
        trustDomain: TrustDomain,
        data: [UInt8],
        format: BundleFormat
    ) throws(CLIError) -> Steeple_Server_V1_Bundle {
        var bundle = Steeple_Server_V1_Bundle()
        bundle.trustDomain = trustDomain.name
        switch format {
        case .pem:
            let x509Bundle: X509Bundle
            do {
                x509Bundle = try X509Bundle(trustDomain: trustDomain, pem: String(decoding: data, as: UTF8.self))
            } catch {
                throw CLIError("unable to parse bundle data: \(error.message)")
            }
            let document = SPIFFEBundle(trustDomain: trustDomain, x509Authorities: x509Bundle.x509Authorities)
            bundle.spiffeBundleJson = Data(document.jsonRepresentation)
        case .spiffe:
            let document: SPIFFEBundle
            do {
                document = try SPIFFEBundle(trustDomain: trustDomain, json: data)
            } catch {
                throw CLIError("unable to parse to spiffe bundle: \(error.message)")
            }
            bundle.spiffeBundleJson = Data(data)
            bundle.sequenceNumber = document.sequenceNumber ?? 0
        }
        return bundle
    }
}
