import ChargeBusContract
import Foundation

/// OCPP 1.6 ChargePointStatus.
public enum ChargePointStatus: String, Sendable, CaseIterable {
    case available = "Available"
    case preparing = "Preparing"
    case charging = "Charging"
    case suspendedEVSE = "SuspendedEVSE"
    case suspendedEV = "SuspendedEV"
    case finishing = "Finishing"
    case reserved = "Reserved"
    case unavailable = "Unavailable"
    case faulted = "Faulted"
}

/// OCPP 1.6 ChargePointErrorCode.
public enum ChargePointErrorCode: String, Sendable, CaseIterable {
    case connectorLockFailure = "ConnectorLockFailure"
    case evCommunicationError = "EVCommunicationError"
    case groundFailure = "GroundFailure"
    case highTemperature = "HighTemperature"
    case internalError = "InternalError"
    case localListConflict = "LocalListConflict"
    case noError = "NoError"
    case otherError = "OtherError"
    case overCurrentFailure = "OverCurrentFailure"
    case overVoltage = "OverVoltage"
    case powerMeterFailure = "PowerMeterFailure"
    case powerSwitchFailure = "PowerSwitchFailure"
    case readerFailure = "ReaderFailure"
    case resetFailure = "ResetFailure"
    case underVoltage = "UnderVoltage"
    case weakSignal = "WeakSignal"
}

/// OCPP 1.6 StopTransaction reason.
public enum StopReason: String, Sendable, CaseIterable {
    case emergencyStop = "EmergencyStop"
    case evDisconnected = "EVDisconnected"
    case hardReset = "HardReset"
    case local = "Local"
    case other = "Other"
    case powerLoss = "PowerLoss"
    case reboot = "Reboot"
    case remote = "Remote"
    case softReset = "SoftReset"
    case unlockCommand = "UnlockCommand"
    case deAuthorized = "DeAuthorized"
}

/// One meter sample of a connector, in the units the simulator reports (Wh, W, A, V, %).
public struct MeterSample: Sendable, Hashable {
    /// Energy.Active.Import.Register, Wh (lifetime register).
    public var energyWh: Double
    /// Power.Active.Import, W.
    public var powerW: Double
    /// Current.Import, A (per phase for AC).
    public var currentA: Double
    /// Voltage, V (phase-to-neutral for AC, DC link voltage for DC).
    public var voltageV: Double
    /// SoC, % (DC only; AC chargers cannot read the vehicle's state of charge).
    public var socPercent: Double?

    public init(energyWh: Double, powerW: Double, currentA: Double, voltageV: Double, socPercent: Double? = nil) {
        self.energyWh = energyWh
        self.powerW = powerW
        self.currentA = currentA
        self.voltageV = voltageV
        self.socPercent = socPercent
    }
}

/// Builders for the payloads a charge point sends, shaped as the OCPP 1.6 JSON schemas require
/// (required fields always present, optional fields omitted when absent, meter values as strings).
public enum ChargePointMessages {
    public static func bootNotification(vendor: String, model: String, serialNumber: String?,
                                        firmwareVersion: String?, meterType: String? = nil,
                                        meterSerialNumber: String? = nil) -> JSONValue {
        var payload: [String: JSONValue] = [
            "chargePointVendor": .string(String(vendor.prefix(20))),
            "chargePointModel": .string(String(model.prefix(20))),
        ]
        if let serialNumber {
            payload["chargePointSerialNumber"] = .string(String(serialNumber.prefix(25)))
            payload["chargeBoxSerialNumber"] = .string(String(serialNumber.prefix(25)))
        }
        if let firmwareVersion { payload["firmwareVersion"] = .string(String(firmwareVersion.prefix(50))) }
        if let meterType { payload["meterType"] = .string(String(meterType.prefix(25))) }
        if let meterSerialNumber { payload["meterSerialNumber"] = .string(String(meterSerialNumber.prefix(25))) }
        return .object(payload)
    }

    public static func heartbeat() -> JSONValue { .object([:]) }

    public static func statusNotification(connectorId: Int, status: ChargePointStatus,
                                          errorCode: ChargePointErrorCode = .noError, info: String? = nil,
                                          vendorId: String? = nil, vendorErrorCode: String? = nil,
                                          timestamp: Date? = nil) -> JSONValue {
        var payload: [String: JSONValue] = [
            "connectorId": .number(Double(connectorId)),
            "status": .string(status.rawValue),
            "errorCode": .string(errorCode.rawValue),
        ]
        if let info { payload["info"] = .string(String(info.prefix(50))) }
        if let vendorId { payload["vendorId"] = .string(String(vendorId.prefix(255))) }
        if let vendorErrorCode { payload["vendorErrorCode"] = .string(String(vendorErrorCode.prefix(50))) }
        if let timestamp { payload["timestamp"] = .string(Timestamp.format(timestamp)) }
        return .object(payload)
    }

    public static func authorize(idTag: String) -> JSONValue {
        .object(["idTag": .string(String(idTag.prefix(20)))])
    }

    public static func startTransaction(connectorId: Int, idTag: String, meterStartWh: Int, timestamp: Date,
                                        reservationId: Int? = nil) -> JSONValue {
        var payload: [String: JSONValue] = [
            "connectorId": .number(Double(connectorId)),
            "idTag": .string(String(idTag.prefix(20))),
            "meterStart": .number(Double(meterStartWh)),
            "timestamp": .string(Timestamp.format(timestamp)),
        ]
        if let reservationId { payload["reservationId"] = .number(Double(reservationId)) }
        return .object(payload)
    }

    public static func stopTransaction(transactionId: Int, meterStopWh: Int, timestamp: Date, reason: StopReason?,
                                       idTag: String? = nil, transactionData: [JSONValue]? = nil) -> JSONValue {
        var payload: [String: JSONValue] = [
            "transactionId": .number(Double(transactionId)),
            "meterStop": .number(Double(meterStopWh)),
            "timestamp": .string(Timestamp.format(timestamp)),
        ]
        if let reason { payload["reason"] = .string(reason.rawValue) }
        if let idTag { payload["idTag"] = .string(String(idTag.prefix(20))) }
        if let transactionData { payload["transactionData"] = .array(transactionData) }
        return .object(payload)
    }

    /// One `MeterValue` element: a timestamp and the sampled values of `sample`, restricted to `measurands`
    /// (OCPP measurand names; nil = all). Energy is reported in whole Wh (a register never goes backwards when
    /// truncated), power, current and voltage with one decimal, SoC in whole percent.
    public static func meterValue(_ sample: MeterSample, timestamp: Date, context: String = "Sample.Periodic",
                                  measurands: Set<String>? = nil) -> JSONValue {
        var values: [JSONValue] = []
        func add(_ value: String, _ measurand: String, _ unit: String, location: String = "Outlet") {
            guard measurands?.contains(measurand) ?? true else { return }
            values.append(.object([
                "value": .string(value),
                "context": .string(context),
                "format": .string("Raw"),
                "measurand": .string(measurand),
                "location": .string(location),
                "unit": .string(unit),
            ]))
        }
        add(formatDecimal(sample.energyWh.rounded(.down), places: 0), "Energy.Active.Import.Register", "Wh")
        add(formatDecimal(sample.powerW, places: 1), "Power.Active.Import", "W")
        add(formatDecimal(sample.currentA, places: 1), "Current.Import", "A")
        add(formatDecimal(sample.voltageV, places: 1), "Voltage", "V")
        if let soc = sample.socPercent {
            add(formatDecimal(soc.rounded(.down), places: 0), "SoC", "Percent", location: "EV")
        }
        return .object(["timestamp": .string(Timestamp.format(timestamp)), "sampledValue": .array(values)])
    }

    public static func meterValues(connectorId: Int, transactionId: Int?, meterValue: [JSONValue]) -> JSONValue {
        var payload: [String: JSONValue] = [
            "connectorId": .number(Double(connectorId)),
            "meterValue": .array(meterValue),
        ]
        if let transactionId { payload["transactionId"] = .number(Double(transactionId)) }
        return .object(payload)
    }

    /// FirmwareStatus: Downloaded, DownloadFailed, Downloading, Idle, InstallationFailed, Installing, Installed.
    public static func firmwareStatusNotification(status: String) -> JSONValue {
        .object(["status": .string(status)])
    }

    /// DiagnosticsStatus: Idle, Uploaded, UploadFailed, Uploading.
    public static func diagnosticsStatusNotification(status: String) -> JSONValue {
        .object(["status": .string(status)])
    }

    public static func dataTransfer(vendorId: String, messageId: String? = nil, data: String? = nil) -> JSONValue {
        var payload: [String: JSONValue] = ["vendorId": .string(String(vendorId.prefix(255)))]
        if let messageId { payload["messageId"] = .string(String(messageId.prefix(50))) }
        if let data { payload["data"] = .string(data) }
        return .object(payload)
    }

    /// Fixed-point decimal text without `String(format:)`: `formatDecimal(11000.04, places: 1)` is `"11000.0"`.
    public static func formatDecimal(_ value: Double, places: Int) -> String {
        guard value.isFinite else { return "0" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9.0e15 else { return String(value) }
        let integer = Int64(scaled)
        let negative = value < 0 && integer != 0
        var text = String(integer)
        if places > 0 {
            if text.count <= places { text = String(repeating: "0", count: places - text.count + 1) + text }
            text.insert(".", at: text.index(text.endIndex, offsetBy: -places))
        }
        return negative ? "-" + text : text
    }
}
