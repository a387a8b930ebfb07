import ChargeBusContract
import Foundation

/// The OCPP version a simulated charge point speaks (its WebSocket subprotocol).
public enum OCPPProtocolVersion: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case ocpp16 = "ocpp1.6"
    case ocpp201 = "ocpp2.0.1"

    /// The `Sec-WebSocket-Protocol` token.
    public var subprotocol: String { rawValue }
    public var description: String { rawValue }
}

/// Which OCPP versions a simulated fleet speaks.
public enum ProtocolMix: Sendable, Hashable, CustomStringConvertible {
    /// Every charger speaks OCPP 1.6 (the default).
    case ocpp16
    /// Every charger speaks OCPP 2.0.1.
    case ocpp201
    /// A share `ratio201` (0…1) of the fleet speaks 2.0.1, the rest 1.6. Which chargers is deterministic for a
    /// seed: charger `index` speaks 2.0.1 when a draw from its own stream of the seed is below the ratio.
    case mix(ratio201: Double)

    /// The version of charger `index` (1-based) of a fleet built from `seed`.
    public func version(index: Int, seed: UInt64) -> OCPPProtocolVersion {
        switch self {
        case .ocpp16: return .ocpp16
        case .ocpp201: return .ocpp201
        case .mix(let ratio):
            // A stream of its own, so adding the protocol choice does not change the rest of the fleet.
            var random = SeededGenerator(seed: seed, stream: UInt64(index) &+ 0x0C99_2001)
            return random.unit() < ratio ? .ocpp201 : .ocpp16
        }
    }

    /// The values of `chargebus simulate --protocol`.
    public static let flagValues = ["ocpp1.6", "ocpp2.0.1", "mix"]

    /// Parses `--protocol ocpp1.6|ocpp2.0.1|mix` and `--mix-ratio` (the 2.0.1 share of a mix, 0…1, default 0.5;
    /// only meaningful with `mix`). Also accepts `1.6`, `2.0.1`, `16`, `201` (case insensitive).
    public static func parse(protocol text: String, mixRatio: Double? = nil) throws(SimulatorConfigurationError) -> ProtocolMix {
        let value = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let mixRatio, !(0...1).contains(mixRatio) || !mixRatio.isFinite {
            throw SimulatorConfigurationError(message: "--mix-ratio must be between 0 and 1 (got \(mixRatio))")
        }
        let mix: ProtocolMix
        switch value {
        case "ocpp1.6", "1.6", "16", "ocpp16": mix = .ocpp16
        case "ocpp2.0.1", "2.0.1", "201", "ocpp201": mix = .ocpp201
        case "mix", "mixed": mix = .mix(ratio201: mixRatio ?? 0.5)
        default:
            throw SimulatorConfigurationError(message: "--protocol must be one of ocpp1.6, ocpp2.0.1, mix (got '\(text)')")
        }
        if mixRatio != nil, mix != .mix(ratio201: mixRatio ?? 0.5) {
            throw SimulatorConfigurationError(message: "--mix-ratio only applies to --protocol mix")
        }
        return mix
    }

    public var description: String {
        switch self {
        case .ocpp16: return "ocpp1.6"
        case .ocpp201: return "ocpp2.0.1"
        case .mix(let ratio): return "mix(\(ratio) ocpp2.0.1)"
        }
    }
}

/// Builders for the payloads an OCPP 2.0.1 charging station sends, with the field names of the 2.0.1 JSON schemas
/// (required fields always present, optional ones omitted when absent, sampled values as numbers).
public enum ChargePointMessages201 {
    public static func bootNotification(vendor: String, model: String, serialNumber: String?, firmwareVersion: String?,
                                        iccid: String? = nil, imsi: String? = nil,
                                        reason: String = "PowerUp") -> JSONValue {
        var station: [String: JSONValue] = [
            "vendorName": .string(String(vendor.prefix(50))),
            "model": .string(String(model.prefix(20))),
        ]
        if let serialNumber { station["serialNumber"] = .string(String(serialNumber.prefix(25))) }
        if let firmwareVersion { station["firmwareVersion"] = .string(String(firmwareVersion.prefix(50))) }
        var modem: [String: JSONValue] = [:]
        if let iccid { modem["iccid"] = .string(String(iccid.prefix(20))) }
        if let imsi { modem["imsi"] = .string(String(imsi.prefix(20))) }
        if !modem.isEmpty { station["modem"] = .object(modem) }
        return .object(["chargingStation": .object(station), "reason": .string(reason)])
    }

    /// ConnectorStatusEnumType: Available, Occupied, Reserved, Unavailable, Faulted.
    public static func statusNotification(evseId: Int, connectorId: Int = 1, status: String, timestamp: Date) -> JSONValue {
        .object([
            "timestamp": .string(Timestamp.format(timestamp)),
            "connectorStatus": .string(status),
            "evseId": .number(Double(evseId)),
            "connectorId": .number(Double(connectorId)),
        ])
    }

    /// The 2.0.1 connector status for a 1.6 status (the session phases all mean Occupied).
    public static func connectorStatus(_ status: ChargePointStatus) -> String {
        switch status {
        case .available: return "Available"
        case .reserved: return "Reserved"
        case .unavailable: return "Unavailable"
        case .faulted: return "Faulted"
        case .preparing, .charging, .suspendedEV, .suspendedEVSE, .finishing: return "Occupied"
        }
    }

    public static func idToken(_ idToken: String, type: String = "ISO14443") -> JSONValue {
        .object(["idToken": .string(String(idToken.prefix(36))), "type": .string(type)])
    }

    public static func authorize(idToken: String) -> JSONValue {
        .object(["idToken": Self.idToken(idToken)])
    }

    /// One `MeterValueType`: sampled values as numbers with `unitOfMeasure`; energy in whole Wh, power, current and
    /// voltage with one decimal, SoC in whole percent (DC only). `measurands` restricts the values (nil = all).
    public static func meterValue(_ sample: MeterSample, timestamp: Date, context: String = "Sample.Periodic",
                                  measurands: Set<String>? = nil) -> JSONValue {
        var values: [JSONValue] = []
        func add(_ value: Double, _ measurand: String, _ unit: String, location: String = "Outlet") {
            guard measurands?.contains(measurand) ?? true else { return }
            values.append(.object([
                "value": .number(value),
                "context": .string(context),
                "measurand": .string(measurand),
                "location": .string(location),
                "unitOfMeasure": .object(["unit": .string(unit)]),
            ]))
        }
        func rounded(_ value: Double, _ places: Double) -> Double { (value * places).rounded() / places }
        add(sample.energyWh.rounded(.down), "Energy.Active.Import.Register", "Wh")
        add(rounded(sample.powerW, 10), "Power.Active.Import", "W")
        add(rounded(sample.currentA, 10), "Current.Import", "A")
        add(rounded(sample.voltageV, 10), "Voltage", "V")
        if let soc = sample.socPercent { add(soc.rounded(.down), "SoC", "Percent", location: "EV") }
        if values.isEmpty {
            // A MeterValue needs at least one sampled value: the register is always there.
            add(sample.energyWh.rounded(.down), "Energy.Active.Import.Register", "Wh")
        }
        return .object(["timestamp": .string(Timestamp.format(timestamp)), "sampledValue": .array(values)])
    }

    public static func meterValues(evseId: Int, meterValue: [JSONValue]) -> JSONValue {
        .object(["evseId": .number(Double(evseId)), "meterValue": .array(meterValue)])
    }

    /// A TransactionEvent request. `eventType` Started/Updated/Ended; `chargingState` Charging, EVConnected,
    /// SuspendedEV, SuspendedEVSE, Idle; `stoppedReason` only on Ended.
    public static func transactionEvent(eventType: String, timestamp: Date, triggerReason: String, seqNo: Int,
                                        transactionId: String, chargingState: String?, stoppedReason: String? = nil,
                                        remoteStartId: Int? = nil, idToken: String? = nil, evseId: Int? = nil,
                                        meterValue: [JSONValue]? = nil, offline: Bool = false) -> JSONValue {
        var info: [String: JSONValue] = ["transactionId": .string(transactionId)]
        if let chargingState { info["chargingState"] = .string(chargingState) }
        if let stoppedReason { info["stoppedReason"] = .string(stoppedReason) }
        if let remoteStartId { info["remoteStartId"] = .number(Double(remoteStartId)) }
        var payload: [String: JSONValue] = [
            "eventType": .string(eventType),
            "timestamp": .string(Timestamp.format(timestamp)),
            "triggerReason": .string(triggerReason),
            "seqNo": .number(Double(seqNo)),
            "transactionInfo": .object(info),
        ]
        if offline { payload["offline"] = .bool(true) }
        if let idToken { payload["idToken"] = Self.idToken(idToken) }
        if let evseId { payload["evse"] = .object(["id": .number(Double(evseId)), "connectorId": .number(1)]) }
        if let meterValue, !meterValue.isEmpty { payload["meterValue"] = .array(meterValue) }
        return .object(payload)
    }

    /// The 2.0.1 ReasonEnumType for a 1.6 stop reason.
    public static func stoppedReason(_ reason: StopReason) -> String {
        switch reason {
        case .emergencyStop: return "EmergencyStop"
        case .evDisconnected: return "EVDisconnected"
        case .hardReset, .softReset: return "ImmediateReset"
        case .local: return "Local"
        case .other: return "Other"
        case .powerLoss: return "PowerLoss"
        case .reboot: return "Reboot"
        case .remote: return "Remote"
        case .unlockCommand: return "Other"
        case .deAuthorized: return "DeAuthorized"
        }
    }

    /// The TriggerReasonEnumType of the Ended event for a stop reason.
    public static func endTriggerReason(_ reason: StopReason) -> String {
        switch reason {
        case .evDisconnected: return "EVCommunicationLost"
        case .local: return "StopAuthorized"
        case .remote: return "RemoteStop"
        case .hardReset, .softReset, .reboot: return "ResetCommand"
        case .deAuthorized: return "Deauthorized"
        case .unlockCommand: return "UnlockCommand"
        case .emergencyStop, .other, .powerLoss: return "AbnormalCondition"
        }
    }

    /// The component that reports a problem with a 1.6 error code (the inverse of the usual CSMS mapping;
    /// codes without a standard component are reported by the ChargingStation component).
    public static func problemComponent(_ errorCode: ChargePointErrorCode) -> String {
        switch errorCode {
        case .connectorLockFailure: return "ConnectorPlugRetentionLock"
        case .overCurrentFailure: return "OverCurrentProtection"
        case .groundFailure: return "RCD"
        case .powerSwitchFailure: return "PowerContactor"
        case .powerMeterFailure: return "FiscalMetering"
        case .readerFailure: return "TokenReader"
        case .evCommunicationError: return "ConnectedEV"
        case .highTemperature: return "TemperatureSensor"
        case .internalError: return "Controller"
        default: return "ChargingStation"
        }
    }

    /// NotifyEvent with one HardWiredNotification event: variable `Problem` of `component` (on `evseId`, when given)
    /// becomes `true` (raised) or `false` (cleared), with the vendor code as `techCode` and the text as `techInfo`.
    public static func notifyProblem(component: String, evseId: Int?, raised: Bool, eventId: Int, seqNo: Int = 0,
                                     techCode: String?, techInfo: String?, timestamp: Date) -> JSONValue {
        var componentObject: [String: JSONValue] = ["name": .string(component)]
        if let evseId, evseId > 0 {
            componentObject["evse"] = .object(["id": .number(Double(evseId)), "connectorId": .number(1)])
        }
        var event: [String: JSONValue] = [
            "eventId": .number(Double(eventId)),
            "timestamp": .string(Timestamp.format(timestamp)),
            "trigger": .string("Delta"),
            "actualValue": .string(raised ? "true" : "false"),
            "eventNotificationType": .string("HardWiredNotification"),
            "component": .object(componentObject),
            "variable": .object(["name": .string("Problem")]),
        ]
        if !raised { event["cleared"] = .bool(true) }
        if let techCode { event["techCode"] = .string(String(techCode.prefix(50))) }
        if let techInfo { event["techInfo"] = .string(String(techInfo.prefix(500))) }
        return .object([
            "generatedAt": .string(Timestamp.format(timestamp)),
            "seqNo": .number(Double(seqNo)),
            "eventData": .array([.object(event)]),
        ])
    }

    public static func firmwareStatusNotification(status: String, requestId: Int?) -> JSONValue {
        var payload: [String: JSONValue] = ["status": .string(status)]
        if let requestId { payload["requestId"] = .number(Double(requestId)) }
        return .object(payload)
    }

    /// UploadLogStatusEnumType: BadMessage, Idle, NotSupportedOperation, PermissionDenied, Uploaded, UploadFailure,
    /// Uploading, AcceptedCanceled.
    public static func logStatusNotification(status: String, requestId: Int?) -> JSONValue {
        var payload: [String: JSONValue] = ["status": .string(status)]
        if let requestId { payload["requestId"] = .number(Double(requestId)) }
        return .object(payload)
    }

    /// A version 4 UUID drawn from `random` (deterministic for a seed).
    public static func uuid(using random: inout SeededGenerator) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        for chunk in 0..<2 {
            let value = random.next()
            for byte in 0..<8 { bytes[chunk * 8 + byte] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(byte))) }
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { byte -> String in
            let text = String(byte, radix: 16)
            return text.count == 1 ? "0" + text : text
        }.joined()
        let characters = Array(hex)
        func part(_ from: Int, _ to: Int) -> String { String(characters[from..<to]) }
        return [part(0, 8), part(8, 12), part(12, 16), part(16, 20), part(20, 32)].joined(separator: "-")
    }
}
