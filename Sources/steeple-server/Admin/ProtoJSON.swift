import SwiftProtobuf

/// `-output json`: the protobuf JSON of a response message, keeping the proto field names (`spiffe_id`) as SPIRE's
/// JSON output does.
enum ProtoJSON {
    /// The message as one line of JSON followed by a newline.
    static func line(_ message: some SwiftProtobuf.Message) throws(CLIError) -> String {
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true
        options.useDeterministicOrdering = true
        do {
            return try message.jsonString(options: options) + "\n"
        } catch {
            throw CLIError("cannot encode the response as JSON: \(error)")
        }
    }
}
