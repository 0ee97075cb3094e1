import GRPCCore
import GRPCProtobuf
import SPIREAPIProto
import SwiftProtobuf

/// Test double for SPIRE's server API as the CLI calls it: `ListEntries` in pages and `CountEntries` (both filtered by hint),
/// and `DeleteAgent` failing with NotFound; no other method is registered. It stands in for the server only to
/// exercise the CLI's client over a real Unix socket.
struct StubAdminService: RegistrableRPCService {
    /// Entries by page token; each page's next token is the following key in `order`.
    var pages: [String: [Spire_Api_Types_Entry]] = [:]
    var order: [String] = []

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        let (pages, order) = (self.pages, self.order)
        router.registerHandler(
            forMethod: Spire_Api_Server_Entry_V1_Entry.Method.ListEntries.descriptor,
            deserializer: ProtobufDeserializer<Spire_Api_Server_Entry_V1_ListEntriesRequest>(),
            serializer: ProtobufSerializer<Spire_Api_Server_Entry_V1_ListEntriesResponse>()
        ) { request, _ in
            let message = try await request.messages.first { _ in true } ?? .init()
            var response = Spire_Api_Server_Entry_V1_ListEntriesResponse()
            let hint = message.filter.hasByHint ? message.filter.byHint.value : nil
            response.entries = (pages[message.pageToken] ?? []).filter { hint == nil || $0.hint == hint }
            if let index = order.firstIndex(of: message.pageToken), index + 1 < order.count {
                response.nextPageToken = order[index + 1]
            }
            return StreamingServerResponse(single: ServerResponse(message: response))
        }
        router.registerHandler(
            forMethod: Spire_Api_Server_Entry_V1_Entry.Method.CountEntries.descriptor,
            deserializer: ProtobufDeserializer<Spire_Api_Server_Entry_V1_CountEntriesRequest>(),
            serializer: ProtobufSerializer<Spire_Api_Server_Entry_V1_CountEntriesResponse>()
        ) { request, _ in
            let message = try await request.messages.first { _ in true } ?? .init()
            let hint = message.filter.hasByHint ? message.filter.byHint.value : nil
            var response = Spire_Api_Server_Entry_V1_CountEntriesResponse()
            response.count = Int32(pages.values.joined().filter { hint == nil || $0.hint == hint }.count)
            return StreamingServerResponse(single: ServerResponse(message: response))
        }
        router.registerHandler(
            forMethod: Spire_Api_Server_Agent_V1_Agent.Method.DeleteAgent.descriptor,
            deserializer: ProtobufDeserializer<Spire_Api_Server_Agent_V1_DeleteAgentRequest>(),
            serializer: ProtobufSerializer<SwiftProtobuf.Google_Protobuf_Empty>()
        ) { _, _ in
            StreamingServerResponse(error: RPCError(code: .notFound, message: "agent not found"))
        }
    }
}
