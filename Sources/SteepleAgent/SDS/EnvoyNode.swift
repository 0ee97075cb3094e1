import EnvoySDSProto
import SwiftProtobuf

/// What the agent reads from the `node` an Envoy sends: whether its validation contexts may use the SPIFFE
/// certificate validator, as SPIRE decides it.
enum EnvoyNode {
    /// SPIRE's metadata key that overrides `disable_spiffe_cert_validation` for one Envoy.
    static let disableSPIFFECertValidationKey = "disable_spiffe_cert_validation"

    /// True unless validation is disabled (by configuration, or by the node's metadata, which wins when it holds a
    /// bool or a string Go's `strconv.ParseBool` reads) or the Envoy is older than 1.18 (its build version says so;
    /// a node without one is taken to support it).
    static func usesSPIFFEValidation(_ node: Envoy_Config_Core_V3_Node?, configuration: SDSConfiguration) -> Bool {
        var disabled = configuration.disableSPIFFECertValidation
        if let value = node?.metadata.fields[disableSPIFFECertValidationKey], let override = parseBool(value) {
            disabled = override
        }
        guard !disabled else { return false }
        guard let node, case .userAgentBuildVersion(let build)? = node.userAgentVersionType, build.hasVersion else { return true }
        let version = build.version
        return (version.majorNumber == 1 && version.minorNumber > 17) || version.majorNumber > 1
    }

    /// A bool, or a string as Go's `strconv.ParseBool` reads it; nil for anything else.
    static func parseBool(_ value: Google_Protobuf_Value) -> Bool? {
        switch value.kind {
        case .boolValue(let bool): return bool
        case .stringValue(let text):
            switch text {
            case "1", "t", "T", "TRUE", "true", "True": return true
            case "0", "f", "F", "FALSE", "false", "False": return false
            default: return nil
            }
        default: return nil
        }
    }
}
