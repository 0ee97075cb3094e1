import GRPCCore
import SPIREAPIProto

extension Spire_Api_Types_Status {
    /// OK, as SPIRE words it.
    static var ok: Spire_Api_Types_Status {
        var status = Spire_Api_Types_Status()
        status.message = "OK"
        return status
    }

    init(code: RPCError.Code, message: String) {
        self.init()
        self.code = Int32(code.rawValue)
        self.message = message
    }

    /// A batch item's status for `error`, through ``APIErrorMap``, with SPIRE's prefix ("failed to create entry: …").
    init(_ error: any Error, prefix: String) {
        let rpc = APIErrorMap.rpcError(error)
        self.init(code: rpc.code, message: prefix + ": " + rpc.message)
    }

    /// A batch item's status for `error` as it is: an `RPCError` keeps its code and message, anything else goes
    /// through ``APIErrorMap``.
    init(rpc error: any Error) {
        let rpc = APIErrorMap.rpcError(error)
        self.init(code: rpc.code, message: rpc.message)
    }

    var isOK: Bool { code == 0 }
}

extension RPCError {
    /// A whole-call error with SPIRE's prefix, keeping the code ``APIErrorMap`` gives `error`.
    init(_ error: any Error, prefix: String) {
        let rpc = APIErrorMap.rpcError(error)
        self.init(code: rpc.code, message: prefix + ": " + rpc.message, metadata: rpc.metadata)
    }
}
