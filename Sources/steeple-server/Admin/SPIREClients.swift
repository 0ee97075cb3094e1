import GRPCNIOTransportHTTP2
import SPIFFE
import SPIREAPIProto
import SteepleServerAPIProto

/// The clients of SPIRE's server API that the admin commands use, on the admin socket (``withAdminGRPCClient``).
typealias SPIREAgentClient = Spire_Api_Server_Agent_V1_Agent.Client<HTTP2ClientTransport.Posix>
typealias SPIRESVIDClient = Spire_Api_Server_Svid_V1_SVID.Client<HTTP2ClientTransport.Posix>
typealias SPIREBundleClient = Spire_Api_Server_Bundle_V1_Bundle.Client<HTTP2ClientTransport.Posix>
typealias SPIREEntryClient = Spire_Api_Server_Entry_V1_Entry.Client<HTTP2ClientTransport.Posix>
typealias SPIREDebugClient = Spire_Api_Server_Debug_V1_Debug.Client<HTTP2ClientTransport.Posix>

extension Spire_Api_Types_SPIFFEID {
    /// `spiffe://<trust domain><path>`, as SPIRE's CLI prints an ID.
    var uri: String { "spiffe://" + trustDomain + path }
}

extension SelectorArgument {
    /// `-selector` values as SPIRE's API selectors.
    static func spire(_ texts: [String]) throws(CLIError) -> [Spire_Api_Types_Selector] {
        try parse(texts).map { selector in
            var spire = Spire_Api_Types_Selector()
            spire.type = selector.type
            spire.value = selector.value
            return spire
        }
    }
}

extension MatchBehavior {
    /// The API's match mode for selectors.
    var selectorMatch: Spire_Api_Types_SelectorMatch.MatchBehavior {
        switch self {
        case .exact: .matchExact
        case .subset: .matchSubset
        case .superset: .matchSuperset
        case .any: .matchAny
        }
    }
}

extension MatchBehavior {
    /// The API's match mode for trust domains.
    var federatesWithMatch: Spire_Api_Types_FederatesWithMatch.MatchBehavior {
        switch self {
        case .exact: .matchExact
        case .subset: .matchSubset
        case .superset: .matchSuperset
        case .any: .matchAny
        }
    }
}

extension IDArgument {
    /// A checked `-spiffeID`-style flag value in the API's form.
    static func spireID(_ text: String, flag: String) throws(CLIError) -> Spire_Api_Types_SPIFFEID {
        Spire_Api_Types_SPIFFEID(try spiffeID(text, flag: flag))
    }
}
typealias SPIRETrustDomainClient = Spire_Api_Server_Trustdomain_V1_TrustDomain.Client<HTTP2ClientTransport.Posix>
