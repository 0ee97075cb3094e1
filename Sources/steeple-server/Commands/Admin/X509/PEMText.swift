import Foundation

/// PEM encoding as Go's `pem.Encode` writes it: base64 in lines of 64 characters between BEGIN and END lines,
/// each block ending with a newline.
enum PEMText {
    /// One PEM block of type `type` (`CERTIFICATE`, `PRIVATE KEY`) holding `der`.
    static func block(type: String, der: [UInt8]) -> String {
        let base64 = Data(der).base64EncodedString()
        var lines: [Substring] = []
        var rest = Substring(base64)
        while !rest.isEmpty {
            lines.append(rest.prefix(64))
            rest = rest.dropFirst(64)
        }
        return "-----BEGIN \(type)-----\n" + lines.map { $0 + "\n" }.joined() + "-----END \(type)-----\n"
    }

    /// One `CERTIFICATE` block per DER value.
    static func certificates(_ ders: [[UInt8]]) -> String {
        ders.map { block(type: "CERTIFICATE", der: $0) }.joined()
    }
}
