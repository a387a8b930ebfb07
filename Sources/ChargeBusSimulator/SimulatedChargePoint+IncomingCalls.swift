import ChargeBusContract
import Foundation

extension SimulatedChargePoint {
    /// The CSMS-initiated actions this charge point implements; anything else gets CALLERROR NotImplemented.
    public static let supportedIncomingActions: [String] = [
        "ChangeAvailability", "ChangeConfiguration", "ClearCache", "DataTransfer", "GetConfiguration",
        "GetDiagnostics", "RemoteStartTransaction", "RemoteStopTransaction", "Reset", "TriggerMessage",
        "UnlockConnector", "UpdateFirmware",
    ]

    struct PayloadError: Error {
        var code: OCPPFrame.ErrorCode
        var description: String
    }

    /// Answers a CALL from the CSMS right away (CALLRESULT or CALLERROR) and schedules the follow-up messages
    /// (status notifications, sessions, reboots) as jobs, so the reader is never blocked behind our own CALLs.
    func handleIncomingCall(id: String, action: String, payload: JSONValue) {
        do {
            let response = try is201 ? respond201(to: action, payload: payload) : respond(to: action, payload: payload)
            send(.callResult(id: id, payload: response))
        } catch let error as PayloadError {
            if is201 {
                send(.callError(id: id, code: Self.errorCode201(error.code), description: error.description,
                                details: .object([:])))
            } else {
                send(.callError(id: id, error.code, error.description))
            }
        } catch {
            send(.callError(id: id, .internalError, "\(error)"))
        }
    }

    func require(_ payload: JSONValue, _ key: String) throws -> JSONValue {
        guard let value = payload[key], value != .null else {
            throw PayloadError(code: .occurenceConstraintViolation, description: "missing required field '\(key)'")
        }
        return value
    }

    func requireString(_ payload: JSONValue, _ key: String) throws -> String {
        guard let text = try require(payload, key).stringValue else {
            throw PayloadError(code: .typeConstraintViolation, description: "'\(key)' must be a string")
        }
        return text
    }

    func requireInt(_ payload: JSONValue, _ key: String) throws -> Int {
        try integer(require(payload, key), key)
    }

    func optionalInt(_ payload: JSONValue, _ key: String) throws -> Int? {
        guard let value = payload[key], value != .null else { return nil }
        return try integer(value, key)
    }

    func integer(_ value: JSONValue, _ key: String) throws -> Int {
        guard let number = value.numberValue, number.rounded() == number, abs(number) < 2e9 else {
            throw PayloadError(code: .typeConstraintViolation, description: "'\(key)' must be an integer")
        }
        return Int(number)
    }

    func status(_ text: String) -> JSONValue { .object(["status": .string(text)]) }

    func respond(to action: String, payload: JSONValue) throws -> JSONValue {
        guard case .object = payload else {
            throw PayloadError(code: .formationViolation, description: "payload must be an object")
        }
        switch action {
        case "Reset":
            let type = try requireString(payload, "type")
            guard type == "Hard" || type == "Soft" else {
                throw PayloadError(code: .propertyConstraintViolation, description: "type must be Hard or Soft")
            }
            spawn { await self.reboot(reason: type == "Hard" ? .hardReset : .softReset, graceful: true) }
            return status("Accepted")

        case "ChangeAvailability":
            let connector = try requireInt(payload, "connectorId")
            let type = try requireString(payload, "type")
            guard type == "Operative" || type == "Inoperative" else {
                throw PayloadError(code: .propertyConstraintViolation, description: "type must be Operative or Inoperative")
            }
            guard connector >= 0, connector <= profile.connectorCount else { return status("Rejected") }
            return status(changeAvailability(connector, operative: type == "Operative"))

        case "RemoteStartTransaction":
            let idTag = try requireString(payload, "idTag")
            let accepted = armRemoteStart(on: try optionalInt(payload, "connectorId"), tag: String(idTag.prefix(20)))
            return status(accepted ? "Accepted" : "Rejected")

        case "RemoteStopTransaction":
            let transactionId = try requireInt(payload, "transactionId")
            guard let connector = connectors.indices.first(where: { connectors[$0].session?.transactionId == transactionId }) else {
                return status("Rejected")
            }
            connectors[connector].stopRequest = .remote
            wake(.connector(connector))
            return status("Accepted")

        case "UnlockConnector":
            let connector = try requireInt(payload, "connectorId")
            guard connector >= 1, connector <= profile.connectorCount else { return status("NotSupported") }
            if connectors[connector].session != nil {
                connectors[connector].stopRequest = .unlockCommand
                wake(.connector(connector))
            }
            return status("Unlocked")

        case "GetConfiguration":
            var keys: [String] = []
            if let list = payload["key"], list != .null {
                guard case .array(let items) = list else {
                    throw PayloadError(code: .typeConstraintViolation, description: "'key' must be an array of strings")
                }
                keys = items.compactMap(\.stringValue)
            }
            return configuration.getConfigurationResponse(keys: keys)

        case "ChangeConfiguration":
            let key = try requireString(payload, "key")
            let value = try requireString(payload, "value")
            let result = configuration.change(key: key, value: value)
            if result == .accepted {
                switch key {
                case "HeartbeatInterval":
                    heartbeatInterval = .seconds(configuration.heartbeatInterval)
                    wake(.heartbeat)
                case "MeterValueSampleInterval":
                    for connector in connectors.indices where connectors[connector].session != nil { wake(.connector(connector)) }
                default:
                    break
                }
            }
            return status(result.rawValue)

        case "ClearCache":
            return status("Accepted")

        case "TriggerMessage":
            let requested = try requireString(payload, "requestedMessage")
            let connector = try optionalInt(payload, "connectorId")
            if let connector, connector < 0 || connector > profile.connectorCount { return status("Rejected") }
            switch requested {
            case "BootNotification":
                spawn { _ = try? await self.sendBootNotification() }
            case "Heartbeat":
                spawn { _ = try? await self.call("Heartbeat", ChargePointMessages.heartbeat()) }
            case "StatusNotification":
                let targets = connector.map { [$0] } ?? Array(connectors.indices)
                for target in targets { connectors[target].lastReported = nil }
                spawn { for target in targets { await self.reportStatus(target) } }
            case "MeterValues":
                let targets = connector.map { $0 == 0 ? Array(1...profile.connectorCount) : [$0] } ?? Array(1...profile.connectorCount)
                spawn {
                    for target in targets {
                        let sample = await self.currentSample(target)
                        await self.sendMeterValues(target, sample: sample, context: "Trigger")
                    }
                }
            case "FirmwareStatusNotification":
                spawn { await self.notifyFirmware(await self.firmwareStatus) }
            case "DiagnosticsStatusNotification":
                spawn { await self.notifyDiagnostics(await self.diagnosticsStatus) }
            default:
                return status("NotImplemented")
            }
            return status("Accepted")

        case "DataTransfer":
            let vendorId = try requireString(payload, "vendorId")
            guard vendorId == profile.vendor else { return status("UnknownVendorId") }
            var response: [String: JSONValue] = ["status": .string("Accepted")]
            if let data = payload["data"]?.stringValue { response["data"] = .string(data) }
            return .object(response)

        case "UpdateFirmware":
            let location = try requireString(payload, "location")
            let retrieveDate = try requireString(payload, "retrieveDate")
            guard let date = Timestamp.parse(retrieveDate) else {
                throw PayloadError(code: .typeConstraintViolation, description: "retrieveDate must be an RFC 3339 date-time")
            }
            spawn { await self.updateFirmware(location: location, retrieveAt: date) }
            return .object([:])

        case "GetDiagnostics":
            _ = try requireString(payload, "location")
            let stamp = Timestamp.format(clock.wallTime()).replacingOccurrences(of: ":", with: "")
            let fileName = "diagnostics-\(profile.id)-\(stamp).log"
            spawn { await self.uploadDiagnostics() }
            return .object(["fileName": .string(fileName)])

        default:
            throw PayloadError(code: .notImplemented, description: "\(action) is not implemented by this charge point")
        }
    }

    /// Applies ChangeAvailability; returns Accepted, Scheduled (a session is running) or Rejected.
    func changeAvailability(_ connector: Int, operative: Bool) -> String {
        let targets = connector == 0 ? Array(connectors.indices) : [connector]
        var scheduled = false
        for target in targets {
            if !operative, connectors[target].session != nil {
                connectors[target].pendingInoperative = true
                scheduled = true
                continue
            }
            let before = connectors[target].effectiveStatus
            connectors[target].operative = operative
            connectors[target].pendingInoperative = false
            if connectors[target].effectiveStatus != before { connectors[target].since = clock.wallTime() }
        }
        spawn { for target in targets { await self.reportStatus(target) } }
        return scheduled ? "Scheduled" : "Accepted"
    }

    /// Simulated reboot: stops sessions (gracefully: waits for their StopTransaction), drops the socket, reconnects
    /// after a few seconds and sends a new BootNotification.
    func reboot(reason: StopReason, graceful: Bool, reconnectAfter: Duration = .seconds(5),
                bootReason: String? = nil) async {
        logger.debug("reboot", metadata: ["reason": "\(reason.rawValue)"])
        bootReason201 = bootReason ?? (reason == .reboot ? "Watchdog" : "RemoteReset")
        await stopAllSessions(reason: reason, waitForStop: graceful)
        needsBoot = true
        for connector in connectors.indices where connectors[connector].session == nil {
            connectors[connector].phase = .available
        }
        dropConnection(reconnectAfter: reconnectAfter)
    }

    func notifyFirmware(_ status: String) async {
        firmwareStatus = status
        if is201 {
            _ = try? await call("FirmwareStatusNotification",
                                ChargePointMessages201.firmwareStatusNotification(status: status, requestId: firmwareRequestId201),
                                whenOffline: .wait)
            return
        }
        _ = try? await call("FirmwareStatusNotification", ChargePointMessages.firmwareStatusNotification(status: status),
                            whenOffline: .wait)
    }

    func notifyDiagnostics(_ status: String) async {
        diagnosticsStatus = status
        if is201 {
            _ = try? await call("LogStatusNotification",
                                ChargePointMessages201.logStatusNotification(status: status == "UploadFailed" ? "UploadFailure" : status,
                                                                             requestId: logRequestId201),
                                whenOffline: .wait)
            return
        }
        _ = try? await call("DiagnosticsStatusNotification",
                            ChargePointMessages.diagnosticsStatusNotification(status: status), whenOffline: .wait)
    }

    /// Downloading → Downloaded → Installing → Installed, then a reboot that boots with the new firmware version.
    func updateFirmware(location: String, retrieveAt: Date) async {
        let delay = retrieveAt.timeIntervalSince(clock.wallTime())
        do {
            if delay > 0 { try await clock.sleep(for: .seconds(double: min(delay, 86_400))) }
            await notifyFirmware("Downloading")
            try await clock.sleep(for: .seconds(10))
            await notifyFirmware("Downloaded")
            try await clock.sleep(for: .seconds(2))
            await notifyFirmware("Installing")
            try await clock.sleep(for: .seconds(10))
        } catch {
            return
        }
        firmwareVersion = Self.nextFirmwareVersion(firmwareVersion, location: location)
        await notifyFirmware("Installed")
        await reboot(reason: .reboot, graceful: true, bootReason: "FirmwareUpdate")
    }

    /// The version after an update: taken from the file name in `location` when it has one (`…-2.4.1.bin`),
    /// else the current version with its last component incremented.
    static func nextFirmwareVersion(_ current: String, location: String) -> String {
        let file = location.split(separator: "/").last.map(String.init) ?? ""
        let stem = file.split(separator: ".").dropLast().joined(separator: ".")
        if let dash = stem.lastIndex(of: "-") {
            let candidate = stem[stem.index(after: dash)...]
            if candidate.split(separator: ".").count >= 2, candidate.allSatisfy({ $0.isNumber || $0 == "." }) {
                return String(candidate)
            }
        }
        var parts = current.split(separator: ".").map(String.init)
        if let last = parts.last, let number = Int(last) {
            parts[parts.count - 1] = String(number + 1)
            return parts.joined(separator: ".")
        }
        return current + ".1"
    }

    /// Uploading → Uploaded.
    func uploadDiagnostics() async {
        await notifyDiagnostics("Uploading")
        do { try await clock.sleep(for: .seconds(5)) } catch { return }
        await notifyDiagnostics("Uploaded")
    }

    /// Arms a remote start on the requested connector (or the first free one) and gets its session
    /// going. False when no connector can take it.
    func armRemoteStart(on requested: Int?, tag: String, remoteStartId: Int? = nil) -> Bool {
        let candidates = requested.map { [$0] } ?? Array(1...profile.connectorCount)
        guard let connector = candidates.first(where: { connectors.indices.contains($0) && $0 > 0 && canStartSession($0)
            && connectors[$0].remoteStartTag == nil })
        else { return false }
        connectors[connector].remoteStartTag = tag
        connectors[connector].remoteStartId = remoteStartId
        if sessionsSpawned {
            wake(.connector(connector))
        } else {
            spawn { await self.runSession(connector) }
        }
        return true
    }
}

