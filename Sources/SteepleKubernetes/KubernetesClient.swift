import NIOHTTP1
import NIOSSL
import SteepleHTTP

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// JSON calls to a Kubernetes API server or kubelet at an ``KubernetesEndpoint``: one connection per call, TLS as the
/// endpoint says, its bearer token (re-read from its file each time) or client certificate.
public struct KubernetesClient: Sendable {
    public let endpoint: KubernetesEndpoint
    /// How long one call may take, connection and TLS included.
    public var timeout: Duration = .seconds(10)

    public init(endpoint: KubernetesEndpoint) {
        self.endpoint = endpoint
    }

    /// `GET path`, decoded as `T`.
    public func get<T: Decodable>(_ path: String, as type: T.Type) async throws(KubernetesError) -> T {
        try await call(.GET, path, body: nil, as: type)
    }

    /// `POST path` with a JSON body, decoded as `T`.
    public func post<T: Decodable>(_ path: String, json body: [UInt8], as type: T.Type) async throws(KubernetesError) -> T {
        try await call(.POST, path, body: body, as: type)
    }

    /// `PATCH path` with a strategic merge patch (what client-go's `Patch` with `StrategicMergePatchType` sends).
    public func patch<T: Decodable>(_ path: String, strategicMerge body: [UInt8], as type: T.Type) async throws(KubernetesError) -> T {
        try await call(.PATCH, path, body: body, contentType: "application/strategic-merge-patch+json", as: type)
    }

    private func call<T: Decodable>(_ method: HTTPMethod, _ path: String, body: [UInt8]?, contentType: String = "application/json", as type: T.Type) async throws(KubernetesError) -> T {
        // Appended to the server's own path (a proxy's `https://host/k8s/clusters/c-x`), as client-go does.
        var base = endpoint.server.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base + path) else {
            throw KubernetesError("\(path) is not a path on \(endpoint.server.absoluteString)")
        }
        let useTLS = endpoint.server.scheme?.lowercased() == "https"
        var request = HTTPGet(url: url, transport: .network(tls: useTLS ? try endpoint.tlsConfiguration() : .makeClientConfiguration()))
        request.method = method
        request.timeout = timeout
        request.maximumBodySize = 64 << 20
        request.headers.append((name: "Accept", value: "application/json"))
        if body != nil { request.headers.append((name: "Content-Type", value: contentType)) }
        if let authorization = try endpoint.authorization() { request.headers.append((name: "Authorization", value: authorization)) }
        request.body = body
        let response: HTTPGet.Response
        do {
            response = try await request.run()
        } catch {
            throw KubernetesError(error.description)
        }
        guard (200..<300).contains(response.status) else {
            throw KubernetesError("\(method.rawValue) \(url.absoluteString): \(Self.describeFailure(status: response.status, reason: response.reason, body: response.body))", httpStatus: response.status)
        }
        do {
            return try JSONDecoder().decode(type, from: Data(response.body))
        } catch {
            throw KubernetesError("\(method.rawValue) \(url.absoluteString): the answer is not the JSON of a \(T.self): \(error)")
        }
    }

    /// `403 Forbidden: pods "x" is forbidden: …` from a `Status` object, or the status line and body.
    static func describeFailure(status code: Int, reason: String, body: [UInt8]) -> String {
        struct Status: Decodable {
            var message: String?
            var reason: String?
        }
        if let status = try? JSONDecoder().decode(Status.self, from: Data(body)), let message = status.message, !message.isEmpty {
            return "\(code) \(reason): \(message)"
        }
        let text = String(decoding: body.prefix(300), as: UTF8.self)
        return text.isEmpty ? "\(code) \(reason)" : "\(code) \(reason): \(text)"
    }

    /// `text` as one URL path segment: letters, digits, `-._~` kept, every other byte percent-encoded (a name from a
    /// token or a cgroup is not trusted to be a DNS label).
    public static func pathSegment(_ text: String) -> String {
        // `.` and `..` would be resolved as relative segments: escape them whole.
        if text == "." || text == ".." { return String(repeating: "%2E", count: text.count) }
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}
