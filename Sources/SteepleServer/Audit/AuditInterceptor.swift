import GRPCCore
import SPIREAPIProto
import Logging
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// SPIRE's audit middleware as an interceptor: every call of SPIRE's server API and of Steeple's admin API ends with
/// an `API accessed` line (``AuditLog``), a batch with one line per element carrying the element's own status, as
/// SPIRE writes them. Calls refused before the handler (authorization) are recorded too: the interceptor runs first.
/// Steeple's agent API is not: what it does is signing, and each SVID it signs has its own `SVID issued` line.
struct AuditInterceptor: ServerInterceptor {
    let audit: AuditLog

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let service = context.descriptor.service.fullyQualifiedService
        guard audit.isEnabled, service.hasPrefix("spire.api.server.") || service == "steeple.server.v1.AdminAPI" else {
            return try await next(request, context)
        }
        let record = CallRecord(
            audit: audit, caller: AuditLog.callerFields(context),
            service: service.hasPrefix("spire.api.server.") ? String(service.dropFirst("spire.api.server.".count)) : service,
            method: context.descriptor.method)
        var request = request
        let messages = request.messages
        request.messages = RPCAsyncSequence(wrapping: messages.map { message in
            record.request.withLock { if $0 == nil { $0 = message as? any AuditedRequest } }
            return message
        })
        var response: StreamingServerResponse<Output>
        do {
            response = try await next(request, context)
        } catch {
            record.finish(error: error)
            throw error
        }
        switch response.accepted {
        case .success(var contents):
            let producer = contents.producer
            contents.producer = { writer in
                do {
                    let trailers = try await producer(RPCWriter(wrapping: CapturingWriter(base: writer, record: record)))
                    record.finish(error: nil)
                    return trailers
                } catch {
                    record.finish(error: error)
                    throw error
                }
            }
            response.accepted = .success(contents)
        case .failure(let error):
            record.finish(error: error)
        }
        return response
    }

    /// What one call's audit lines need, filled in as the call runs.
    private final class CallRecord: Sendable {
        let audit: AuditLog
        let caller: Logger.Metadata
        let service: String
        let method: String
        let requestID = UUID().uuidString.lowercased()
        let request = Mutex<(any AuditedRequest)?>(nil)
        let batch = Mutex<(any AuditedBatchResponse)?>(nil)

        init(audit: AuditLog, caller: Logger.Metadata, service: String, method: String) {
            self.audit = audit
            self.caller = caller
            self.service = service
            self.method = method
        }

        func finish(error: (any Error)?) {
            let fields = request.withLock { $0?.auditFields } ?? [[]]
            if error == nil, let statuses = batch.withLock({ $0?.auditStatuses }), statuses.count == fields.count, !fields.isEmpty {
                for (element, status) in zip(fields, statuses) { line(element, status) }
                return
            }
            let status: (code: Int32, message: String)
            switch error {
            case nil: status = (0, "")
            case let error as RPCError: status = (Int32(error.code.rawValue), error.message)
            case let error as any RPCErrorConvertible: status = (Int32(error.rpcErrorCode.rawValue), error.rpcErrorMessage)
            case is CancellationError: status = (1, "the caller went away")
            case let error?: status = (2, "\(error)")
            }
            // A non-batch call is one line; a batch that failed as a whole is one line per element with that status.
            for element in fields.isEmpty ? [[]] : fields { line(element, status) }
        }

        private func line(_ fields: AuditFields, _ status: (code: Int32, message: String)) {
            audit.call(caller: caller, service: service, method: method, requestID: requestID, fields: fields, status: status)
        }
    }

    /// Passes messages on, keeping a batch response for the per-element lines.
    private struct CapturingWriter<Element: Sendable>: RPCWriterProtocol {
        let base: RPCWriter<Element>
        let record: CallRecord

        func write(_ element: Element) async throws {
            if let batch = element as? any AuditedBatchResponse { record.batch.withLock { $0 = batch } }
            try await base.write(element)
        }

        func write(contentsOf elements: some Sequence<Element>) async throws {
            for element in elements { try await write(element) }
        }
    }
}
