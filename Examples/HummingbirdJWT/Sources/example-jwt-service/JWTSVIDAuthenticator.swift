#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HTTPTypes
import Hummingbird
import SPIFFE

/// Authenticates each request by the JWT-SVID in its `Authorization: Bearer` header and authorizes the caller's
/// SPIFFE ID, failing closed: no header, a token that does not validate against the current JWT bundles (signature,
/// `kid`, trust domain of `sub`, expiry, this service's audience) → 401 with the reason; a valid token of a caller
/// that `authorizer` refuses → 403.
struct JWTSVIDAuthenticator<Bundles: JWTBundleSource>: RouterMiddleware {
    typealias Context = CallerContext

    /// Where the JWT bundles come from: a `JWTSource`, kept current by the Workload API.
    let bundles: Bundles
    /// The audience a caller's token must name: this service.
    let audience: String
    /// Which callers may call.
    let authorizer: SPIFFEIDMatcher

    func handle(
        _ request: Request,
        context: CallerContext,
        next: (Request, CallerContext) async throws -> Response
    ) async throws -> Response {
        guard let token = bearerToken(request.headers[.authorization]) else {
            throw HTTPError(
                .unauthorized,
                headers: [.wwwAuthenticate: "Bearer"],
                message: "missing \"Authorization: Bearer <JWT-SVID>\" header: fetch a JWT-SVID for audience \"\(audience)\" from the Workload API"
            )
        }
        let svid: JWTSVID
        do {
            svid = try JWTSVID.parseAndValidate(token: token, bundles: bundles, audience: [audience], now: Date())
        } catch {
            throw HTTPError(
                .unauthorized,
                headers: [.wwwAuthenticate: "Bearer error=\"invalid_token\""],
                message: "JWT-SVID refused (\(error.code)): \(error.message)"
            )
        }
        do {
            try authorizer.authorize(svid.subject)
        } catch {
            throw HTTPError(.forbidden, message: "\(svid.subject) may not call this service: \(error.message)")
        }
        var context = context
        context.caller = svid
        return try await next(request, context)
    }

    /// The token of an `Authorization: Bearer <token>` header (the scheme is case-insensitive, RFC 6750 §2.1).
    private func bearerToken(_ header: String?) -> String? {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
        let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
