import Hummingbird
import SPIFFE

/// The request context of routes behind ``JWTSVIDAuthenticator``: it carries the caller's validated JWT-SVID.
struct CallerContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The caller's JWT-SVID; set by ``JWTSVIDAuthenticator`` before any route runs.
    var caller: JWTSVID?

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }
}
