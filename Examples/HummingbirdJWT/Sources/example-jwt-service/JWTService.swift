// An HTTP service that authenticates its callers by JWT-SVID, with its JWT bundles from the Workload API
// (SPIFFE_ENDPOINT_SOCKET).
//
//   example-jwt-service [--host 127.0.0.1] [--port 8080] [--audience example-jwt-service]
//                       [--caller-id spiffe://example.org/client]
//
// GET /hello answers "hello, <caller's SPIFFE ID>" to a caller presenting a valid JWT-SVID for the audience;
// GET /health answers without authentication. Without --caller-id any caller of a trust domain it has a JWT
// bundle for is accepted. Try it against the quickstart agent:
//
//   token=$(.build/debug/steeple-agent api fetch jwt -audience example-jwt-service | sed -n 2p | tr -d ' \t')
//   curl -H "Authorization: Bearer $token" http://127.0.0.1:8080/hello
import Hummingbird
import Logging
import SPIFFE
import SPIFFEWorkloadAPI

@main
struct JWTService {
    static func main() async throws {
        let host = flag("--host") ?? "127.0.0.1"
        let port = Int(flag("--port") ?? "8080") ?? 8080
        let audience = flag("--audience") ?? "example-jwt-service"
        let authorizer: SPIFFEIDMatcher = try flag("--caller-id").map { .id(try SPIFFEID($0)) } ?? .any

        let source = try JWTSource()
        let router = Router(context: CallerContext.self)
        router.get("/health") { _, _ in "ok\n" }
        router.group()
            .add(middleware: JWTSVIDAuthenticator(bundles: source, audience: audience, authorizer: authorizer))
            .get("/hello") { _, context in
                guard let caller = context.caller else { throw HTTPError(.unauthorized) }  // never without the middleware
                return "hello, \(caller.subject)\n"
            }

        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "example-jwt-service"),
            services: [source],
            logger: Logger(label: "example-jwt-service")
        )
        try await app.runService()
    }
}

/// The value after `name` on the command line.
func flag(_ name: String) -> String? {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}
