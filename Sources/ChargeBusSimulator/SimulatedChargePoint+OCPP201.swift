import ChargeBusContract
import Foundation

/// OCPP 2.0.1 behaviour of a simulated charging station. The state model (connectors, sessions, conditions) is the
/// one of the 1.6 charge point; only what goes on the wire differs:
/// - EVSE n has one connector (connector 1) and corresponds to connector n of the 1.6 profile;
/// - the session phases Preparing/Charging/Finishing are all `Occupied`, the detail travels as the transaction's
///   `chargingState` in TransactionEvent;
/// - an error condition (fault, weak signal) is a NotifyEvent on the variable `Problem` of a component, next to
///   the StatusNotification `Faulted`;
/// - a session is TransactionEvent Started → Updated… → Ended with the charger's own UUID transaction id.
extension SimulatedChargePoint {
    // MARK: Boot

    func bootNotification201(reason: String? = nil) -> JSONValue {
        let digits = String(profile.index)
        let padded = String(repeating: "0", count: max(0, 8 - digits.count)) + digits
        return ChargePointMessages201.bootNotification(
            vendor: profile.vendor, model: profile.model, serialNumber: profile.serialNumber,
            firmwareVersion: firmwareVersion, iccid: "894902000" + padded + "0", imsi: "2620100" + padded,
            reason: reason ?? bootReason201)
    }

    // MARK: Status

    /// The 1.6-vocabulary status of EVSE `evse`, with a charger-wide fault or unavailability folded in (2.0.1 has
    /// no connector 0 status).
    func effectiveStatus201(_ evse: Int) -> ChargePointStatus {
        var status = connectors[evse].effectiveStatus
        if evse > 0, status != .faulted {
            if connectors[0].fault != nil {
                status = .faulted
            } else if !connectors[0].operative, connectors[evse].session == nil, status == .available {
                status = .unavailable
            }
        }
        return status
    }

    /// Brings the CSMS's view of EVSE `connector` up to date: a NotifyEvent when its problem changed, then a
    /// StatusNotification when its connector status changed. Connector 0 (the whole station) reports its own
    /// problem and the status of every EVSE.
    func reportStatus201(_ connector: Int) async {
        await reportCondition201(connector)
        if connector == 0 {
            for evse in 1...max(1, profile.connectorCount) where connectors.indices.contains(evse) {
                // The problem first, so that the CSMS knows why when it gets the status.
                await reportCondition201(evse)
                await reportConnectorStatus201(evse)
            }
        } else {
            await reportConnectorStatus201(connector)
        }
    }

    func reportConnectorStatus201(_ evse: Int) async {
        var sent: String?
        do {
            _ = try await callBuilding("StatusNotification") {
                let status = ChargePointMessages201.connectorStatus(effectiveStatus201(evse))
                guard status != connectors[evse].lastStatus201 else { return nil }
                connectors[evse].lastStatus201 = status
                sent = status
                let since = max(connectors[evse].since, connectors[0].since)
                return ChargePointMessages201.statusNotification(evseId: evse, connectorId: 1, status: status, timestamp: since)
            }
        } catch {
            if let sent, connectors[evse].lastStatus201 == sent { connectors[evse].lastStatus201 = nil }
        }
    }

    /// NotifyEvent `Problem` = true/false when the connector's condition differs from what the CSMS was told.
    func reportCondition201(_ connector: Int) async {
        let current = connectors[connector].condition
        let previous = connectors[connector].raisedCondition201
        guard current != previous else { return }
        connectors[connector].raisedCondition201 = current
        do {
            if let previous, current == nil || ChargePointMessages201.problemComponent(previous.errorCode)
                != ChargePointMessages201.problemComponent(current!.errorCode) {
                _ = try await call("NotifyEvent", notifyProblem201(connector, previous, raised: false))
            }
            if let current {
                _ = try await call("NotifyEvent", notifyProblem201(connector, current, raised: true))
            }
        } catch {
            // Not delivered: report again on the next occasion (e.g. after reconnecting).
            if connectors[connector].raisedCondition201 == current { connectors[connector].raisedCondition201 = previous }
        }
    }

    func notifyProblem201(_ connector: Int, _ condition: ConnectorCondition, raised: Bool) -> JSONValue {
        eventIdCounter201 += 1
        return ChargePointMessages201.notifyProblem(
            component: ChargePointMessages201.problemComponent(condition.errorCode), evseId: connector > 0 ? connector : nil,
            raised: raised, eventId: eventIdCounter201,
            techCode: condition.vendorErrorCode ?? (condition.errorCode == .weakSignal ? "WeakSignal" : nil),
            techInfo: condition.info, timestamp: clock.wallTime())
    }

    // MARK: Sessions

    /// Occupied → Authorize → TransactionEvent Started (EVConnected) → Updated (Charging, then periodic meter
    /// values) → Ended → Available once the cable is unplugged.
    func runSession201(_ connector: Int) async {
        let remoteTag = connectors[connector].remoteStartTag
        let remoteStartId = connectors[connector].remoteStartId
        connectors[connector].remoteStartTag = nil
        connectors[connector].remoteStartId = nil
        guard let idTag = await beginSession(connector, remoteTag: remoteTag) else { return }
        func backToAvailable() async { await self.backToAvailable(connector) }

        let model = ChargingSessionModel.random(kind: profile.kind, connectorMaxW: profile.maxPowerW, phases: profile.phases,
                                                registerWh: connectors[connector].registerWh, using: &random)
        let transactionUUID = ChargePointMessages201.uuid(using: &random)
        let now = clock.simulatedSeconds()
        connectors[connector].session = ActiveSession(
            transactionId: 0, transactionUUID: transactionUUID, idTag: idTag, model: model, startedAt: now,
            plannedSeconds: jittered(settings.sessionDuration, 0.7, 1.3).timeInterval, lastSampleAt: now)
        let startDate = nextMeterDate(connector)
        let begin = MeterSample(energyWh: connectors[connector].registerWh, powerW: 0, currentA: 0, voltageV: 0)
        let started = ChargePointMessages201.transactionEvent(
            eventType: "Started", timestamp: startDate, triggerReason: remoteStartId != nil ? "RemoteStart" : "Authorized",
            seqNo: nextSeqNo(connector), transactionId: transactionUUID, chargingState: "EVConnected",
            remoteStartId: remoteStartId, idToken: idTag, evseId: connector,
            meterValue: [ChargePointMessages201.meterValue(begin, timestamp: startDate, context: "Transaction.Begin",
                                                           measurands: ["Energy.Active.Import.Register"])],
            offline: !isReady)
        guard let response = await deliverTransactionCall("TransactionEvent", started) else {
            if Task.isCancelled { return }
            connectors[connector].session = nil
            await backToAvailable()
            return
        }
        let tokenStatus = response["idTokenInfo"]?["status"]?.stringValue ?? "Accepted"
        let accepted = tokenStatus == "Accepted"
        counters.sessionsStarted.increment()
        logger.debug("session started", metadata: ["connector": "\(connector)", "transactionId": "\(transactionUUID)"])

        var reason: StopReason = accepted ? .local : .deAuthorized
        if accepted {
            guard connectors[connector].session != nil else { return }
            _ = advanceSession(connector)
            setPhase(connector, .charging)
            connectors[connector].session?.chargingState = "Charging"
            let date = nextMeterDate(connector)
            _ = try? await call("TransactionEvent", ChargePointMessages201.transactionEvent(
                eventType: "Updated", timestamp: date, triggerReason: "ChargingStateChanged", seqNo: nextSeqNo(connector),
                transactionId: transactionUUID, chargingState: "Charging"))
            await reportStatus(connector)
            while true {
                let outcome = await wait(.connector(connector), for: meterInterval)
                if outcome == .cancelled { return }
                if let requested = connectors[connector].stopRequest {
                    reason = requested
                    break
                }
                guard let sample = advanceSession(connector) else { return }
                if outcome == .timeout {
                    await sendTransactionUpdated201(connector, sample: sample, triggerReason: "MeterValuePeriodic",
                                                    context: "Sample.Periodic")
                }
                guard let session = connectors[connector].session else { return }
                if session.model.isFull {
                    reason = .evDisconnected
                    break
                }
                if clock.simulatedSeconds() - session.startedAt >= session.plannedSeconds {
                    reason = random.unit() < 0.5 ? .local : .evDisconnected
                    break
                }
            }
        }
        await finishSession201(connector, reason: reason)
    }

    func nextSeqNo(_ connector: Int) -> Int {
        guard let seqNo = connectors[connector].session?.seqNo else { return 0 }
        connectors[connector].session?.seqNo = seqNo + 1
        return seqNo
    }

    /// TransactionEvent Updated with the sampled meter values of the running session (dropped when offline).
    func sendTransactionUpdated201(_ connector: Int, sample: MeterSample, triggerReason: String, context: String) async {
        _ = try? await callBuilding("TransactionEvent") {
            guard let session = connectors[connector].session, let transactionUUID = session.transactionUUID else { return nil }
            let date = nextMeterDate(connector)
            let value = ChargePointMessages201.meterValue(sample, timestamp: date, context: context,
                                                          measurands: measurandSet(configuration.meterValuesSampledData))
            return ChargePointMessages201.transactionEvent(
                eventType: "Updated", timestamp: date, triggerReason: triggerReason, seqNo: nextSeqNo(connector),
                transactionId: transactionUUID, chargingState: session.chargingState, meterValue: [value])
        }
    }

    /// TransactionEvent Ended (queued while offline), Finishing, then Available once the cable is unplugged.
    func finishSession201(_ connector: Int, reason: StopReason) async {
        guard let sample = advanceSession(connector), let session = connectors[connector].session,
              let transactionUUID = session.transactionUUID else { return }
        let stopDate = nextMeterDate(connector)
        let payload = ChargePointMessages201.transactionEvent(
            eventType: "Ended", timestamp: stopDate, triggerReason: ChargePointMessages201.endTriggerReason(reason),
            seqNo: nextSeqNo(connector), transactionId: transactionUUID,
            chargingState: reason == .evDisconnected ? "Idle" : "EVConnected",
            stoppedReason: ChargePointMessages201.stoppedReason(reason),
            idToken: reason == .local || reason == .deAuthorized ? session.idTag : nil,
            meterValue: [ChargePointMessages201.meterValue(sample, timestamp: stopDate, context: "Transaction.End",
                                                           measurands: measurandSet(configuration.stopTxnSampledData))],
            offline: !isReady)
        connectors[connector].session = nil
        connectors[connector].stopRequest = nil
        setPhase(connector, .finishing)
        stopTransactionsInFlight += 1
        let stopped = await deliverTransactionMessage("TransactionEvent", payload)
        stopTransactionsInFlight -= 1
        if stopped { counters.sessionsCompleted.increment() }
        logger.debug("session stopped", metadata: ["connector": "\(connector)", "reason": "\(reason.rawValue)"])
        await reportStatus(connector)
        if reason != .hardReset, reason != .softReset, reason != .reboot {
            if await wait(.connector(connector), for: .seconds(10)) == .cancelled { return }
        }
        setPhase(connector, .available)
        if connectors[connector].pendingInoperative {
            connectors[connector].pendingInoperative = false
            connectors[connector].operative = false
            connectors[connector].since = clock.wallTime()
        }
        await reportStatus(connector)
        if resetOnIdlePending, connectors.allSatisfy({ $0.session == nil }) {
            resetOnIdlePending = false
            spawn { await self.reboot(reason: .softReset, graceful: true, bootReason: "RemoteReset") }
        }
    }

    /// MeterValues of an EVSE (outside the transaction messages: triggered, or load tests); dropped when offline.
    func sendMeterValues201(_ connector: Int, sample: MeterSample, context: String) async {
        let date = nextMeterDate(connector)
        let value = ChargePointMessages201.meterValue(sample, timestamp: date, context: context,
                                                      measurands: measurandSet(configuration.meterValuesSampledData))
        _ = try? await call("MeterValues", ChargePointMessages201.meterValues(evseId: connector, meterValue: [value]))
    }

    // MARK: CSMS-initiated calls

    /// The CSMS-initiated OCPP 2.0.1 actions this charging station implements; anything else gets CALLERROR
    /// NotImplemented.
    public static let supportedIncomingActions201: [String] = [
        "ChangeAvailability", "ClearCache", "DataTransfer", "GetLog", "GetVariables", "RequestStartTransaction",
        "RequestStopTransaction", "Reset", "SetVariables", "TriggerMessage", "UnlockConnector", "UpdateFirmware",
    ]

    /// The 2.0.1 spelling of a CALLERROR code (FormatViolation, OccurrenceConstraintViolation).
    static func errorCode201(_ code: OCPPFrame.ErrorCode) -> String {
        switch code {
        case .formationViolation: return "FormatViolation"
        case .occurenceConstraintViolation: return "OccurrenceConstraintViolation"
        default: return code.rawValue
        }
    }

    private func requireObject(_ payload: JSONValue, _ key: String) throws -> JSONValue {
        let value = try require(payload, key)
        guard case .object = value else {
            throw PayloadError(code: .typeConstraintViolation, description: "'\(key)' must be an object")
        }
        return value
    }

    private func requireArray(_ payload: JSONValue, _ key: String) throws -> [JSONValue] {
        guard case .array(let items) = try require(payload, key) else {
            throw PayloadError(code: .typeConstraintViolation, description: "'\(key)' must be an array")
        }
        guard !items.isEmpty else {
            throw PayloadError(code: .occurenceConstraintViolation, description: "'\(key)' needs at least one item")
        }
        return items
    }

    private func requireEnum(_ payload: JSONValue, _ key: String, _ allowed: Set<String>) throws -> String {
        let value = try requireString(payload, key)
        guard allowed.contains(value) else {
            throw PayloadError(code: .propertyConstraintViolation,
                               description: "'\(key)' must be one of \(allowed.sorted().joined(separator: ", "))")
        }
        return value
    }

    func respond201(to action: String, payload: JSONValue) throws -> JSONValue {
        guard case .object = payload else {
            throw PayloadError(code: .formationViolation, description: "payload must be an object")
        }
        switch action {
        case "Reset":
            let type = try requireEnum(payload, "type", ["Immediate", "OnIdle"])
            if try optionalInt(payload, "evseId") != nil { return status("Rejected") }  // no per-EVSE reset
            if type == "Immediate" {
                spawn { await self.reboot(reason: .hardReset, graceful: true, bootReason: "RemoteReset") }
                return status("Accepted")
            }
            if connectors.contains(where: { $0.session != nil }) {
                resetOnIdlePending = true
                return status("Scheduled")
            }
            spawn { await self.reboot(reason: .softReset, graceful: true, bootReason: "RemoteReset") }
            return status("Accepted")

        case "ChangeAvailability":
            let operational = try requireEnum(payload, "operationalStatus", ["Operative", "Inoperative"])
            var connector = 0
            if let evse = payload["evse"], evse != .null {
                connector = try requireInt(evse, "id")
                if let connectorId = try optionalInt(evse, "connectorId"), connectorId != 1 { return status("Rejected") }
            }
            guard connector >= 0, connector <= profile.connectorCount else { return status("Rejected") }
            return status(changeAvailability(connector, operative: operational == "Operative"))

        case "RequestStartTransaction":
            let token = try requireObject(payload, "idToken")
            let idToken = try requireString(token, "idToken")
            _ = try requireString(token, "type")
            let remoteStartId = try requireInt(payload, "remoteStartId")
            let accepted = armRemoteStart(on: try optionalInt(payload, "evseId"), tag: String(idToken.prefix(36)),
                                          remoteStartId: remoteStartId)
            return status(accepted ? "Accepted" : "Rejected")

        case "RequestStopTransaction":
            let transactionId = try requireString(payload, "transactionId")
            guard let connector = connectors.indices.first(where: { connectors[$0].session?.transactionUUID == transactionId }) else {
                return status("Rejected")
            }
            connectors[connector].stopRequest = .remote
            wake(.connector(connector))
            return status("Accepted")

        case "UnlockConnector":
            let evse = try requireInt(payload, "evseId")
            let connectorId = try requireInt(payload, "connectorId")
            guard evse >= 1, evse <= profile.connectorCount, connectorId == 1 else { return status("UnknownConnector") }
            if connectors[evse].session != nil { return status("OngoingAuthorizedTransaction") }
            return status("Unlocked")

        case "GetVariables":
            let items = try requireArray(payload, "getVariableData")
            var results: [JSONValue] = []
            for item in items {
                let component = try requireObject(item, "component")
                let variable = try requireObject(item, "variable")
                let attributeType = item["attributeType"]?.stringValue ?? "Actual"
                var result: [String: JSONValue] = ["component": component, "variable": variable,
                                                   "attributeType": .string(attributeType)]
                switch deviceModelLookup(component: component, variable: variable) {
                case .unknownComponent: result["attributeStatus"] = .string("UnknownComponent")
                case .unknownVariable: result["attributeStatus"] = .string("UnknownVariable")
                case .found(let value, _):
                    if attributeType == "Actual" {
                        result["attributeStatus"] = .string("Accepted")
                        result["attributeValue"] = .string(String(value.prefix(2500)))
                    } else {
                        result["attributeStatus"] = .string("NotSupportedAttributeType")
                    }
                }
                results.append(.object(result))
            }
            return .object(["getVariableResult": .array(results)])

        case "SetVariables":
            let items = try requireArray(payload, "setVariableData")
            var results: [JSONValue] = []
            for item in items {
                let component = try requireObject(item, "component")
                let variable = try requireObject(item, "variable")
                let value = try requireString(item, "attributeValue")
                let attributeType = item["attributeType"]?.stringValue ?? "Actual"
                var result: [String: JSONValue] = ["component": component, "variable": variable,
                                                   "attributeType": .string(attributeType)]
                switch deviceModelLookup(component: component, variable: variable) {
                case .unknownComponent: result["attributeStatus"] = .string("UnknownComponent")
                case .unknownVariable: result["attributeStatus"] = .string("UnknownVariable")
                case .found(_, let key):
                    guard attributeType == "Actual" else {
                        result["attributeStatus"] = .string("NotSupportedAttributeType")
                        break
                    }
                    guard let key else {
                        result["attributeStatus"] = .string("Rejected")  // read-only
                        break
                    }
                    let outcome = configuration.change(key: key, value: value)
                    if outcome == .accepted { applyConfigurationChange(key) }
                    switch outcome {
                    case .accepted: result["attributeStatus"] = .string("Accepted")
                    case .rejected: result["attributeStatus"] = .string("Rejected")
                    case .rebootRequired: result["attributeStatus"] = .string("RebootRequired")
                    case .notSupported: result["attributeStatus"] = .string("UnknownVariable")
                    }
                }
                results.append(.object(result))
            }
            return .object(["setVariableResult": .array(results)])

        case "ClearCache":
            return status("Accepted")

        case "TriggerMessage":
            let requested = try requireString(payload, "requestedMessage")
            var evse: Int?
            if let object = payload["evse"], object != .null { evse = try requireInt(object, "id") }
            if let evse, evse < 0 || evse > profile.connectorCount { return status("Rejected") }
            let evses = evse.map { $0 == 0 ? Array(1...profile.connectorCount) : [$0] } ?? Array(1...profile.connectorCount)
            switch requested {
            case "BootNotification":
                spawn { _ = try? await self.sendBootNotification(reason201: "Triggered") }
            case "Heartbeat":
                spawn { _ = try? await self.call("Heartbeat", ChargePointMessages.heartbeat()) }
            case "StatusNotification":
                for target in evses { connectors[target].lastStatus201 = nil }
                spawn { for target in evses { await self.reportConnectorStatus201(target) } }
            case "MeterValues":
                spawn {
                    for target in evses {
                        let sample = await self.currentSample(target)
                        await self.sendMeterValues201(target, sample: sample, context: "Trigger")
                    }
                }
            case "TransactionEvent":
                spawn {
                    for target in evses where await self.hasSession(target) {
                        let sample = await self.currentSample(target)
                        await self.sendTransactionUpdated201(target, sample: sample, triggerReason: "Trigger", context: "Trigger")
                    }
                }
            case "FirmwareStatusNotification":
                spawn { await self.notifyFirmware(await self.firmwareStatus) }
            case "LogStatusNotification":
                spawn { await self.notifyDiagnostics(await self.diagnosticsStatus) }
            default:
                return status("NotImplemented")
            }
            return status("Accepted")

        case "DataTransfer":
            let vendorId = try requireString(payload, "vendorId")
            guard vendorId == profile.vendor else { return status("UnknownVendorId") }
            var response: [String: JSONValue] = ["status": .string("Accepted")]
            if let data = payload["data"], data != .null { response["data"] = data }
            return .object(response)

        case "UpdateFirmware":
            let requestId = try requireInt(payload, "requestId")
            let firmware = try requireObject(payload, "firmware")
            let location = try requireString(firmware, "location")
            let retrieve = try requireString(firmware, "retrieveDateTime")
            guard let date = Timestamp.parse(retrieve) else {
                throw PayloadError(code: .typeConstraintViolation, description: "retrieveDateTime must be an RFC 3339 date-time")
            }
            firmwareRequestId201 = requestId
            spawn { await self.updateFirmware(location: location, retrieveAt: date) }
            return status("Accepted")

        case "GetLog":
            _ = try requireEnum(payload, "logType", ["DiagnosticsLog", "SecurityLog"])
            let requestId = try requireInt(payload, "requestId")
            let log = try requireObject(payload, "log")
            _ = try requireString(log, "remoteLocation")
            logRequestId201 = requestId
            let stamp = Timestamp.format(clock.wallTime()).replacingOccurrences(of: ":", with: "")
            spawn { await self.uploadDiagnostics() }
            return .object(["status": .string("Accepted"), "filename": .string("log-\(profile.id)-\(stamp).log")])

        default:
            throw PayloadError(code: .notImplemented, description: "\(action) is not implemented by this charging station")
        }
    }

    func hasSession(_ connector: Int) -> Bool { connectors[connector].session != nil }

    /// Side effects of an accepted configuration change (ChangeConfiguration or SetVariables).
    func applyConfigurationChange(_ key: String) {
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

    // MARK: Device model

    enum DeviceModelLookup {
        case unknownComponent
        case unknownVariable
        /// The value, and the 1.6 configuration key it is stored under (nil: read-only, not in the configuration).
        case found(String, key: String?)
    }

    /// The device model variables (component, variable, variable instance) and the 1.6 configuration keys they
    /// are stored under (the standard equivalents).
    static let deviceModelKeys: [(component: String, variable: String, instance: String?, key: String)] = [
        ("OCPPCommCtrlr", "HeartbeatInterval", nil, "HeartbeatInterval"),
        ("OCPPCommCtrlr", "WebSocketPingInterval", nil, "WebSocketPingInterval"),
        ("OCPPCommCtrlr", "ResetRetries", nil, "ResetRetries"),
        ("OCPPCommCtrlr", "MessageAttempts", "TransactionEvent", "TransactionMessageAttempts"),
        ("OCPPCommCtrlr", "MessageAttemptInterval", "TransactionEvent", "TransactionMessageRetryInterval"),
        ("SampledDataCtrlr", "TxUpdatedInterval", nil, "MeterValueSampleInterval"),
        ("SampledDataCtrlr", "TxUpdatedMeasurands", nil, "MeterValuesSampledData"),
        ("SampledDataCtrlr", "TxEndedMeasurands", nil, "StopTxnSampledData"),
        ("AlignedDataCtrlr", "Interval", nil, "ClockAlignedDataInterval"),
        ("AlignedDataCtrlr", "Measurands", nil, "MeterValuesAlignedData"),
        ("AlignedDataCtrlr", "TxEndedMeasurands", nil, "StopTxnAlignedData"),
        ("TxCtrlr", "EVConnectionTimeOut", nil, "ConnectionTimeOut"),
        ("TxCtrlr", "StopTxOnEVSideDisconnect", nil, "StopTransactionOnEVSideDisconnect"),
        ("TxCtrlr", "StopTxOnInvalidId", nil, "StopTransactionOnInvalidId"),
        ("AuthCtrlr", "AuthorizeRemoteStart", nil, "AuthorizeRemoteTxRequests"),
        ("AuthCtrlr", "LocalAuthorizeOffline", nil, "LocalAuthorizeOffline"),
        ("AuthCtrlr", "LocalPreAuthorize", nil, "LocalPreAuthorize"),
        ("DeviceDataCtrlr", "ItemsPerMessage", "GetVariables", "GetConfigurationMaxKeys"),
    ]

    func deviceModelLookup(component: JSONValue, variable: JSONValue) -> DeviceModelLookup {
        let componentName = component["name"]?.stringValue ?? ""
        let variableName = variable["name"]?.stringValue ?? ""
        let instance = variable["instance"]?.stringValue
        // Read-only variables that are not 1.6 configuration keys.
        switch (componentName, variableName) {
        case ("SecurityCtrlr", "Identity"): return .found(profile.id, key: nil)
        case ("SecurityCtrlr", "SecurityProfile"): return .found(settings.password == nil ? "0" : "1", key: nil)
        case ("ChargingStation", "Model"): return .found(profile.model, key: nil)
        case ("ChargingStation", "VendorName"): return .found(profile.vendor, key: nil)
        case ("ChargingStation", "SupplyPhases"): return .found(String(profile.phases), key: nil)
        case ("ChargingStation", "AvailabilityState"):
            return .found(ChargePointMessages201.connectorStatus(effectiveStatus201(0)), key: nil)
        default: break
        }
        let forComponent = Self.deviceModelKeys.filter { $0.component == componentName }
        guard !forComponent.isEmpty || componentName == "SecurityCtrlr" || componentName == "ChargingStation" else {
            return .unknownComponent
        }
        guard let entry = forComponent.first(where: { $0.variable == variableName && $0.instance == instance })
            ?? forComponent.first(where: { $0.variable == variableName && instance == nil }),
            let item = configuration.entries.first(where: { $0.key == entry.key })
        else { return .unknownVariable }
        return .found(item.value, key: item.readonly ? nil : entry.key)
    }
}
