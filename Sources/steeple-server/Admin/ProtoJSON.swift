import SPIREAPIProto
import SwiftProtobuf

/// `-output json`: a response message as SPIRE's CLI prints it (``SPIREJSON``: proto field names, every field
/// including unset ones, keys sorted, one line).
enum ProtoJSON {
    /// The message as one line of JSON followed by a newline.
    static func line(_ message: some SwiftProtobuf.Message) throws(CLIError) -> String {
        do {
            return try SPIREJSON.line(message)
        } catch {
            throw CLIError("cannot encode the response as JSON: \(error)")
        }
    }
}
