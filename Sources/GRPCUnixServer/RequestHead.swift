package import GRPCCore
package import NIOHPACK

/// A validated request HEADERS frame: the method and the metadata handed to the RPC.
package struct RequestHead {
    package var descriptor: MethodDescriptor
    package var metadata: Metadata

    /// Why a request HEADERS frame is answered without starting an RPC.
    package enum Rejection: Error, Equatable {
        /// Not gRPC at all: answered with this HTTP status (405 for a method other than POST, 415 for a wrong content-type).
        case http(status: Int, reason: String)
        /// A gRPC request this transport cannot serve: answered Trailers-Only with this status.
        case grpc(Status.Code, String)
    }

    /// Headers that describe the transport rather than the call, so they are not metadata. `grpc-timeout` is
    /// deliberately kept: GRPCCore's server reads it from the metadata and enforces the deadline itself.
    static let transportHeaders: Set<String> = ["te", "content-type", "grpc-encoding", "grpc-accept-encoding"]

    package init(parsing headers: HPACKHeaders) throws(Rejection) {
        var method: Substring?
        var path: Substring?
        var contentType: Substring?
        var encoding: Substring?
        var metadata = Metadata()
        for (name, value, _) in headers {
            if name.utf8.first == UInt8(ascii: ":") {
                switch name {
                case ":method": method = Substring(value)
                case ":path": path = Substring(value)
                default: break
                }
                continue
            }
            let key = name.lowercased()
            switch key {
            case "content-type": contentType = Substring(value)
            case "grpc-encoding": encoding = Substring(value)
            default: break
            }
            if Self.transportHeaders.contains(key) { continue }
            if key.hasSuffix("-bin") {
                // A value that is not base64 is dropped rather than failing the call.
                if let bytes = Base64.decode(Substring(value).utf8) {
                    metadata.addBinary(bytes, forKey: key)
                }
            } else {
                metadata.addString(value, forKey: key)
            }
        }

        guard method == "POST" else {
            throw .http(status: 405, reason: "method \(method.map(String.init) ?? "(none)") is not POST")
        }
        guard let contentType, contentType.hasPrefix("application/grpc") else {
            throw .http(status: 415, reason: "content-type \(contentType.map(String.init) ?? "(none)") is not application/grpc")
        }
        // "application/grpc-web" and friends share the prefix but are different protocols.
        let subtype = contentType.dropFirst("application/grpc".count)
        guard subtype.isEmpty || subtype.first == "+" || subtype.first == ";" else {
            throw .http(status: 415, reason: "content-type \(contentType) is not application/grpc")
        }
        if let encoding, encoding != "identity" {
            throw .grpc(.unimplemented, "compression \(encoding) is not supported (grpc-accept-encoding: identity)")
        }
        guard let path, let descriptor = Self.descriptor(fromPath: path) else {
            throw .grpc(.unimplemented, "malformed :path \(path.map(String.init) ?? "(none)")")
        }
        self.descriptor = descriptor
        self.metadata = metadata
    }

    /// `/package.Service/Method` → its descriptor.
    static func descriptor(fromPath path: Substring) -> MethodDescriptor? {
        guard path.first == "/" else { return nil }
        let rest = path.dropFirst()
        guard let slash = rest.lastIndex(of: "/") else { return nil }
        let service = rest[..<slash]
        let method = rest[rest.index(after: slash)...]
        guard !service.isEmpty, !method.isEmpty, !service.contains("/") else { return nil }
        return MethodDescriptor(fullyQualifiedService: String(service), method: String(method))
    }
}
