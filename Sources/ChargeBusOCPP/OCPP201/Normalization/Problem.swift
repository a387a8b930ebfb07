import Foundation

extension OCPP201 {
    /// A fault reported through NotifyEvent, in the shape of the 1.6 StatusNotification error
    /// fields of `connectors/{n}/status`.
    public struct Problem: Sendable, Hashable {
        /// A 1.6 ChargePointErrorCode (never `NoError`).
        public var errorCode: String
        /// The component's techCode.
        public var vendorErrorCode: String?
        /// techInfo, or `component.variable=actualValue`; at most 50 characters (1.6 `info`).
        public var info: String?

        public init(errorCode: String, vendorErrorCode: String? = nil, info: String? = nil) {
            self.errorCode = errorCode
            self.vendorErrorCode = vendorErrorCode
            self.info = info
        }
    }

    /// What one NotifyEvent event means for the connector's fault state.
    public enum ProblemState: Sendable, Hashable {
        /// A component reports a problem: publish a fault.
        case raised(Problem)
        /// A problem returned to normal: publish the recovery (`NoError`).
        case cleared
        /// Not about a problem (a periodic report, a monitored value that is not a fault).
        case unrelated
    }

    /// The variables whose boolean Actual value says whether the component has a problem.
    /// `Problem` is the standard one of the 2.0.1 device model; `Tripped` and `Operated` are
    /// those of the protection devices (RCD, OverCurrentProtection).
    public static let problemVariables: Set<String> = ["problem", "tripped", "operated"]

    /// The 1.6 ChargePointErrorCode for a problem of a 2.0.1 component, by component name
    /// (case insensitive). Components not listed give `OtherError`.
    ///
    /// | component | errorCode |
    /// |---|---|
    /// | ConnectorPlugRetentionLock, EVRetentionLock | ConnectorLockFailure |
    /// | OverCurrentProtection, OverCurrentProtectionRecloser | OverCurrentFailure |
    /// | RCD, RCDRecloser, GroundIsolationProtection | GroundFailure |
    /// | PowerContactor | PowerSwitchFailure |
    /// | FiscalMetering, ControlMetering | PowerMeterFailure |
    /// | TokenReader | ReaderFailure |
    /// | ConnectedEV, CPPWMController | EVCommunicationError |
    /// | TemperatureSensor, ExternalTemperatureSensor, AirCoolingSystem, LiquidCoolingSystem | HighTemperature |
    /// | Controller, LocalController, any `…Ctrlr` | InternalError |
    /// | (any other) | OtherError |
    ///
    /// A variable whose name contains `Temp` (Temperature, …) also gives HighTemperature.
    public static let componentErrorCodes: [String: String] = [
        "connectorplugretentionlock": "ConnectorLockFailure", "evretentionlock": "ConnectorLockFailure",
        "overcurrentprotection": "OverCurrentFailure", "overcurrentprotectionrecloser": "OverCurrentFailure",
        "rcd": "GroundFailure", "rcdrecloser": "GroundFailure", "groundisolationprotection": "GroundFailure",
        "powercontactor": "PowerSwitchFailure",
        "fiscalmetering": "PowerMeterFailure", "controlmetering": "PowerMeterFailure",
        "tokenreader": "ReaderFailure",
        "connectedev": "EVCommunicationError", "cppwmcontroller": "EVCommunicationError",
        "temperaturesensor": "HighTemperature", "externaltemperaturesensor": "HighTemperature",
        "aircoolingsystem": "HighTemperature", "liquidcoolingsystem": "HighTemperature",
        "controller": "InternalError", "localcontroller": "InternalError",
    ]

    /// The fault an event raises, or nil when it raises none (it clears one, or is unrelated;
    /// `problemState(from:)` tells the two apart). See `problemState(from:)`.
    public static func problem(from event: EventDataType) -> (errorCode: String, vendorErrorCode: String?, info: String?)? {
        guard case .raised(let problem) = problemState(from: event) else { return nil }
        return (problem.errorCode, problem.vendorErrorCode, problem.info)
    }

    /// Whether a NotifyEvent event raises or clears a problem:
    /// 1. `cleared: true` → cleared.
    /// 2. A problem variable (`Problem`, `Tripped`, `Operated`, see `problemVariables`):
    ///    Actual value `true`/`1` → raised, `false`/`0` → cleared, whatever the trigger.
    /// 3. Otherwise a `HardWiredNotification` with a techCode or techInfo, or any `Alerting`
    ///    event (a threshold monitor was crossed), → raised.
    /// 4. Anything else (Periodic and Delta reports of ordinary variables) → unrelated.
    ///
    /// A raised problem's errorCode: the techCode itself when it is a 1.6 ChargePointErrorCode
    /// (dual-stack firmware often reuses them), else `componentErrorCodes`, else HighTemperature
    /// for a temperature variable, else OtherError. vendorErrorCode is the techCode; info is the
    /// techInfo, or `component.variable=actualValue`, cut to 50 characters.
    public static func problemState(from event: EventDataType) -> ProblemState {
        if event.cleared == true { return .cleared }
        let variable = event.variable.name.lowercased()
        if problemVariables.contains(variable) {
            switch event.actualValue.trimmingCharacters(in: .whitespaces).lowercased() {
            case "true", "1": return .raised(makeProblem(event))
            case "false", "0": return .cleared
            default: return .unrelated
            }
        }
        let hasTechDetail = !(event.techCode ?? "").isEmpty || !(event.techInfo ?? "").isEmpty
        if event.eventNotificationType == .hardWiredNotification && hasTechDetail || event.trigger == .alerting {
            return .raised(makeProblem(event))
        }
        return .unrelated
    }

    private static let errorCodes16: Set<String> = Set(OCPP16.ChargePointErrorCode.allCases.map(\.rawValue)).subtracting(["NoError"])

    private static func makeProblem(_ event: EventDataType) -> Problem {
        let component = event.component.name.lowercased()
        let errorCode: String
        if let techCode = event.techCode, errorCodes16.contains(techCode) {
            errorCode = techCode
        } else if let mapped = componentErrorCodes[component] {
            errorCode = mapped
        } else if event.variable.name.lowercased().contains("temp") {
            errorCode = "HighTemperature"
        } else if component.hasSuffix("ctrlr") {
            errorCode = "InternalError"
        } else {
            errorCode = "OtherError"
        }
        let techInfo = event.techInfo.flatMap { $0.isEmpty ? nil : $0 }
        let info = techInfo ?? "\(event.component.name).\(event.variable.name)=\(event.actualValue)"
        let techCode = event.techCode.flatMap { $0.isEmpty ? nil : $0 }
        return Problem(errorCode: errorCode, vendorErrorCode: techCode, info: cut(info, to: 50))
    }

    /// At most `length` characters (Unicode scalars, as the schemas count), never splitting one.
    static func cut(_ text: String, to length: Int) -> String {
        guard text.unicodeScalars.count > length else { return text }
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: text.unicodeScalars.prefix(length))
        return String(scalars)
    }
}
