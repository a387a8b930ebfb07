/// The RPC error codes of OCPP-J CALLERROR frames, version-independent.
///
/// 1.6 and 2.0.1 spell two codes differently (`FormationViolation` / `FormatViolation`,
/// `OccurenceConstraintViolation` (sic) / `OccurrenceConstraintViolation`); `wireName(for:)`
/// gives the spelling a peer of that version expects and `init?(wireName:)` accepts both.
public enum OCPPErrorCode: Sendable, Hashable, CaseIterable {
    case notImplemented
    case notSupported
    case internalError
    case protocolError
    case securityError
    case formationViolation
    case propertyConstraintViolation
    case occurrenceConstraintViolation
    case typeConstraintViolation
    case genericError
    /// 2.0.1 only; sent as `ProtocolError` to a 1.6 peer.
    case messageTypeNotSupported
    /// 2.0.1 only; sent as `GenericError` to a 1.6 peer.
    case rpcFrameworkError

    public func wireName(for version: OCPPVersion) -> String {
        switch self {
        case .notImplemented: "NotImplemented"
        case .notSupported: "NotSupported"
        case .internalError: "InternalError"
        case .protocolError: "ProtocolError"
        case .securityError: "SecurityError"
        case .formationViolation: version == .v16 ? "FormationViolation" : "FormatViolation"
        case .propertyConstraintViolation: "PropertyConstraintViolation"
        case .occurrenceConstraintViolation: version == .v16 ? "OccurenceConstraintViolation" : "OccurrenceConstraintViolation"
        case .typeConstraintViolation: "TypeConstraintViolation"
        case .genericError: "GenericError"
        case .messageTypeNotSupported: version == .v16 ? "ProtocolError" : "MessageTypeNotSupported"
        case .rpcFrameworkError: version == .v16 ? "GenericError" : "RpcFrameworkError"
        }
    }

    /// Accepts the 1.6 and the 2.0.1 spelling of every code. Case-sensitive, as on the wire.
    public init?(wireName: String) {
        switch wireName {
        case "NotImplemented": self = .notImplemented
        case "NotSupported": self = .notSupported
        case "InternalError": self = .internalError
        case "ProtocolError": self = .protocolError
        case "SecurityError": self = .securityError
        case "FormationViolation", "FormatViolation": self = .formationViolation
        case "PropertyConstraintViolation": self = .propertyConstraintViolation
        case "OccurenceConstraintViolation", "OccurrenceConstraintViolation": self = .occurrenceConstraintViolation
        case "TypeConstraintViolation": self = .typeConstraintViolation
        case "GenericError": self = .genericError
        case "MessageTypeNotSupported": self = .messageTypeNotSupported
        case "RpcFrameworkError": self = .rpcFrameworkError
        default: return nil
        }
    }
}
