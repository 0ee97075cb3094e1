import Foundation
import SPIFFE
import SPIREAPIProto

/// SPIRE's text for trust bundles (`cmd/spire-server/cli/bundle/common.go`).
enum BundlePrinter {
    /// A bundle in `format`: its X.509 authorities as PEM, or its SPIFFE bundle document indented by four spaces
    /// and followed by a newline.
    ///
    /// - Throws: ``CLIError`` when the server's bundle document or trust domain is malformed.
    static func content(_ bundle: Spire_Api_Types_Bundle, format: BundleFormat) throws(CLIError) -> String {
        let document: SPIFFEBundle
        do {
            document = try SPIFFEBundle(spireBundle: bundle)
        } catch {
            throw CLIError("the server's bundle for \(bundle.trustDomain) is malformed: \(error.message)")
        }
        switch format {
        case .spiffe:
            return JSONIndenter.indent(document.jsonRepresentation) + "\n"
        case .pem:
            return document.x509Bundle.pemRepresentation
        }
    }

    /// The banner SPIRE prints above each bundle of `bundle list`.
    static func header(_ trustDomain: String) -> String {
        let stars = String(repeating: "*", count: 40)
        return "\(stars)\n* \(trustDomain)\n\(stars)\n"
    }

    /// `bundle list`: each bundle under its banner, separated by blank lines, in trust-domain order.
    static func list(_ bundles: [Spire_Api_Types_Bundle], format: BundleFormat) throws(CLIError) -> String {
        var text = ""
        for (index, bundle) in bundles.sorted(by: { $0.trustDomain < $1.trustDomain }).enumerated() {
            if index > 0 {
                text += "\n"
            }
            text += header(bundle.trustDomain) + (try content(bundle, format: format))
        }
        return text
    }

    /// `bundle count`: `2 bundles`.
    static func count(_ count: Int32) -> String {
        GoFormatting.counted(Int(count), "bundle", "bundles") + "\n"
    }
}
