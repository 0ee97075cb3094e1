import GRPCCore
import SteepleServerAPIProto
import SwiftProtobuf

/// Reads `SyncEntriesResponse` as the scale benchmark's simulated agents need it, for a fraction of a full decode's
/// CPU: the simulated agents run on the server's two cores, and decoding 10,000 snapshots of 1,001 entries took as much
/// CPU as the server spent sending them. Every field but `upserted` (3) is decoded as usual; of `upserted`, the first
/// ``decoded`` entries of each message are decoded (an agent signs for the first page's IDs) and the others only
/// counted, an empty `Steeple_Server_V1_Entry()` standing in for each so that `upserted.count` stays true. The wire is
/// walked field by field (varint, fixed and length-delimited fields), so a malformed message still fails.
struct CountingSyncDeserializer: MessageDeserializer {
    /// Entries decoded in full per message.
    let decoded: Int

    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> Steeple_Server_V1_SyncEntriesResponse {
        try serializedMessageBytes.withUnsafeBytes { bytes in
            var rest: [UInt8] = []
            var entries: [Steeple_Server_V1_Entry] = []
            var counted = 0
            var offset = 0
            while offset < bytes.count {
                let start = offset
                let key = try Self.varint(bytes, &offset)
                switch key & 7 {
                case 0: _ = try Self.varint(bytes, &offset)
                case 1: offset += 8
                case 5: offset += 4
                case 2:
                    let length = try Self.varint(bytes, &offset)
                    guard length <= UInt64(bytes.count - offset) else { throw Self.malformed("a field runs past the message") }
                    let end = offset + Int(length)
                    if key >> 3 == 3 {
                        if entries.count < decoded {
                            entries.append(try Steeple_Server_V1_Entry(serializedBytes: Array(bytes[offset..<end])))
                        } else {
                            counted += 1
                        }
                        offset = end
                        continue
                    }
                    offset = end
                default: throw Self.malformed("wire type \(key & 7)")
                }
                guard offset <= bytes.count else { throw Self.malformed("a field runs past the message") }
                rest.append(contentsOf: bytes[start..<offset])
            }
            var message = try Steeple_Server_V1_SyncEntriesResponse(serializedBytes: rest)
            message.upserted = entries + repeatElement(Steeple_Server_V1_Entry(), count: counted)
            return message
        }
    }

    private static func varint(_ bytes: UnsafeRawBufferPointer, _ offset: inout Int) throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count, shift < 64 {
            let byte = bytes[offset]
            offset += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        throw malformed("a varint runs past the message")
    }

    private static func malformed(_ what: String) -> RPCError {
        RPCError(code: .internalError, message: "malformed SyncEntriesResponse: \(what)")
    }
}
