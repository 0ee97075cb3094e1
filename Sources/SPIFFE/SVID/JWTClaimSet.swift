#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The registered claims of a JWT-SVID (JWT-SVID §3, RFC 7519 §4.1), decoded but not yet judged against a clock or
/// an expected audience.
struct JWTClaimSet: Sendable {
    /// `sub`, a SPIFFE ID with a path.
    let subject: SPIFFEID
    /// `aud`, from a string or an array of strings; empty when absent.
    let audience: [String]
    /// `exp`, when present.
    let expiresAt: Date?
    /// `nbf`, when present.
    let notBefore: Date?
    /// `iat`, when present.
    let issuedAt: Date?
    /// `iss`, when it is a string.
    let issuer: String?
    /// The claims JSON as the token carries it.
    let json: [UInt8]

    /// Decodes the claims of a JWT-SVID. NumericDate claims may be integers or floats (RFC 7519 §2).
    ///
    /// - Throws: ``SPIFFEError/Code/malformedJWT`` when the payload is not a JSON object or `aud`, `exp`, `nbf` or
    ///   `iat` has the wrong JSON type, ``SPIFFEError/Code/invalidSubject`` when `sub` is missing or is not a SPIFFE
    ///   ID with a path (JWT-SVID §3.1).
    init(json: [UInt8]) throws(SPIFFEError) {
        let object = try JWS.decodeObject(json, what: "claims")
        guard let sub = object["sub"]?.string, !sub.isEmpty else {
            throw SPIFFEError(code: .invalidSubject, message: "token has no \"sub\" string claim: JWT-SVID §3.1 requires the workload's SPIFFE ID")
        }
        let subject: SPIFFEID
        do {
            subject = try SPIFFEID(sub)
        } catch {
            throw SPIFFEError(code: .invalidSubject, message: "token sub is not a SPIFFE ID (JWT-SVID §3.1)", cause: error)
        }
        guard subject.hasPath else {
            throw SPIFFEError(
                code: .invalidSubject,
                message: "token sub \(subject) has no path: a JWT-SVID names a workload, not a trust domain (JWT-SVID §3.1)"
            )
        }
        self.subject = subject
        self.audience = try Self.audience(object["aud"])
        self.expiresAt = try Self.numericDate(object["exp"], named: "exp")
        self.notBefore = try Self.numericDate(object["nbf"], named: "nbf")
        self.issuedAt = try Self.numericDate(object["iat"], named: "iat")
        self.issuer = object["iss"]?.string
        self.json = json
    }

    /// `aud` as a list: RFC 7519 §4.1.3 allows a single string or an array of strings (SPEC §3.2).
    private static func audience(_ value: JSONValue?) throws(SPIFFEError) -> [String] {
        switch value {
        case nil, .null?:
            return []
        case .string(let audience)?:
            return [audience]
        case .array(let values)?:
            var audience: [String] = []
            for value in values {
                guard let string = value.string else {
                    throw SPIFFEError(code: .malformedJWT, message: "token aud array holds a value that is not a string")
                }
                audience.append(string)
            }
            return audience
        default:
            throw SPIFFEError(code: .malformedJWT, message: "token aud is neither a string nor an array of strings (RFC 7519 §4.1.3)")
        }
    }

    private static func numericDate(_ value: JSONValue?, named name: String) throws(SPIFFEError) -> Date? {
        guard let value, value != .null else { return nil }
        guard let seconds = value.number else {
            throw SPIFFEError(code: .malformedJWT, message: "token \(name) is not a number of seconds (RFC 7519 §2 NumericDate)")
        }
        // A date past the year 9999 (either way) is refused here, so that no later conversion of it can overflow.
        let limit = Double(UnixTime.range.upperBound)
        guard seconds.isFinite, seconds >= -limit, seconds <= limit else {
            throw SPIFFEError(code: .malformedJWT, message: "token \(name) \(seconds) is out of range: expected Unix seconds within the years 1970 to 9999")
        }
        return Date(timeIntervalSince1970: seconds)
    }
}
