import ChargeBusContract
import Foundation

extension OCPP201 {
    /// Maps the commands daemon's 1.6-style intents onto OCPP 2.0.1 calls, and the charging
    /// station's answers back onto the 1.6 response shapes, so that the commands contract does
    /// not depend on the protocol a charger speaks.
    ///
    /// | command | 1.6 call | 2.0.1 call |
    /// |---|---|---|
    /// | `reset` soft / hard | Reset Soft / Hard | Reset OnIdle / Immediate |
    /// | `reboot` | Reset Hard | Reset Immediate |
    /// | `remote-start` | RemoteStartTransaction | RequestStartTransaction (idToken type Central, remoteStartId) |
    /// | `remote-stop` | RemoteStopTransaction | RequestStopTransaction (the string transaction id) |
    /// | `unlock` | UnlockConnector | UnlockConnector (evseId = connector, connectorId 1) |
    /// | `get-configuration` | GetConfiguration | GetVariables (keys through `configurationKeyMap`) |
    /// | `change-configuration` | ChangeConfiguration | SetVariables (key through `configurationKeyMap`) |
    /// | `clear-cache` | ClearCache | ClearCache |
    /// | `trigger-message` | TriggerMessage | TriggerMessage (`triggerMessages`) |
    /// | `change-availability` | ChangeAvailability | ChangeAvailability (connector 0: no evse) |
    /// | `update-firmware` | UpdateFirmware | UpdateFirmware (requestId, firmware.location/retrieveDateTime) |
    /// | `get-diagnostics` | GetDiagnostics | GetLog DiagnosticsLog (requestId, log.remoteLocation) |
    /// | `data-transfer` | DataTransfer | DataTransfer |
    ///
    /// Connectors: ChargeBus maps each 2.0.1 EVSE to one bus connector (`busConnector(evseId:)`),
    /// so 1.6 `connectorId` n is EVSE n (connector 1 of it where a connector is required).
    /// Every payload built here validates with `OCPP201.validateCSMSRequest`.
    public enum CommandMapping {
        /// One 2.0.1 call to send.
        public struct Call: Sendable, Hashable {
            public var action: String
            public var payload: JSONValue

            public init(action: String, payload: JSONValue) {
                self.action = action
                self.payload = payload
            }

            init<R: OCPPRequest>(_ request: R) {
                self.init(action: R.action, payload: OCPPPayloadCoding.encode(request))
            }
        }

        /// The translation of one 1.6-style call.
        public struct Translation: Sendable, Hashable {
            /// The 2.0.1 call to send; nil when there is nothing to ask the station (then answer
            /// with `localResponse`).
            public var call: Call?
            /// The 1.6-style response when no call is needed (e.g. only unknown configuration keys).
            public var localResponse: JSONValue?
            /// 1.6 configuration keys without a 2.0.1 equivalent: pass them to
            /// `translateResponse(action:payload:unknownKeys:)`, which reports them as `unknownKey`.
            public var unknownKeys: [String]

            public init(call: Call?, localResponse: JSONValue? = nil, unknownKeys: [String] = []) {
                self.call = call
                self.localResponse = localResponse
                self.unknownKeys = unknownKeys
            }
        }

        /// Why a 1.6-style call cannot be translated (an invalid payload, a 1.6 feature without a
        /// 2.0.1 equivalent). The bus answers it as an `invalid` call.
        public struct MappingError: Error, Sendable, Hashable, CustomStringConvertible {
            public var description: String
            public init(_ description: String) { self.description = description }
        }

        /// The 2.0.1 action of each 1.6 CSMS-initiated action that has one.
        public static let actions: [String: String] = [
            "Reset": "Reset", "RemoteStartTransaction": "RequestStartTransaction", "RemoteStopTransaction": "RequestStopTransaction",
            "UnlockConnector": "UnlockConnector", "GetConfiguration": "GetVariables", "ChangeConfiguration": "SetVariables",
            "ClearCache": "ClearCache", "TriggerMessage": "TriggerMessage", "ChangeAvailability": "ChangeAvailability",
            "UpdateFirmware": "UpdateFirmware", "GetDiagnostics": "GetLog", "DataTransfer": "DataTransfer",
        ]

        /// TriggerMessage: the 2.0.1 requestedMessage of each 1.6 MessageTrigger
        /// (DiagnosticsStatusNotification becomes LogStatusNotification). 2.0.1 names are also
        /// accepted as they are by `triggerMessage(_:connector:)`.
        public static let triggerMessages: [String: MessageTriggerEnumType] = [
            "BootNotification": .bootNotification, "DiagnosticsStatusNotification": .logStatusNotification,
            "FirmwareStatusNotification": .firmwareStatusNotification, "Heartbeat": .heartbeat, "MeterValues": .meterValues,
            "StatusNotification": .statusNotification,
        ]

        // MARK: Intents

        /// `reset`: soft → OnIdle (after ongoing transactions), hard → Immediate. `evseId`: one EVSE only.
        public static func reset(hard: Bool, evseId: Int? = nil) -> Call {
            Call(Reset.Request(type: hard ? .immediate : .onIdle, evseId: evseId))
        }

        /// `reboot`: Reset Immediate of the whole station.
        public static func reboot() -> Call { reset(hard: true) }

        /// `remote-start`: RequestStartTransaction for `idTag` as an IdToken of type Central (a
        /// token the CSMS vouches for), on the EVSE of `connector` (nil or 0: the station picks).
        /// `remoteStartId` comes back in TransactionEvent.transactionInfo.remoteStartId.
        public static func remoteStart(idTag: String, connector: Int? = nil, remoteStartId: Int) -> Call {
            Call(RequestStartTransaction.Request(evseId: connector.flatMap { $0 > 0 ? $0 : nil }, remoteStartId: remoteStartId,
                                                 idToken: IdTokenType(idToken: idTag, type: .central)))
        }

        /// `remote-stop`: RequestStopTransaction of the station's string transaction id.
        public static func remoteStop(transactionId: String) -> Call {
            Call(RequestStopTransaction.Request(transactionId: transactionId))
        }

        /// `unlock`: UnlockConnector of connector 1 of the EVSE of `connector`.
        public static func unlock(connector: Int) -> Call {
            Call(UnlockConnector.Request(evseId: connector, connectorId: 1))
        }

        /// `get-configuration`: GetVariables of the Actual values of `keys` (nil or empty: every
        /// key of `configurationKeyMap`). Keys without an equivalent are left out and listed in
        /// `unknownKeys`; when none is left, there is no call and `localResponse` answers.
        public static func getConfiguration(keys: [String]?) -> Translation {
            let requested = keys.flatMap { $0.isEmpty ? nil : $0 } ?? configurationKeyMap.keys.sorted()
            var data: [GetVariableDataType] = []
            var unknown: [String] = []
            for key in requested {
                if let variable = componentVariable(forConfigurationKey: key) {
                    let item = GetVariableDataType(component: variable.componentType, variable: variable.variableType)
                    if !data.contains(item) { data.append(item) }
                } else {
                    unknown.append(key)
                }
            }
            guard !data.isEmpty else {
                return Translation(call: nil, localResponse: .object(["unknownKey": .array(unknown.map(JSONValue.string))]),
                                   unknownKeys: unknown)
            }
            return Translation(call: Call(GetVariables.Request(getVariableData: data)), unknownKeys: unknown)
        }

        /// `change-configuration`: SetVariables of the Actual value. A key without an equivalent
        /// gives no call and the 1.6 answer `NotSupported`.
        public static func changeConfiguration(key: String, value: String) -> Translation {
            guard let variable = componentVariable(forConfigurationKey: key) else {
                return Translation(call: nil, localResponse: .object(["status": .string("NotSupported")]), unknownKeys: [key])
            }
            return Translation(call: Call(SetVariables.Request(setVariableData: [
                SetVariableDataType(attributeValue: value, component: variable.componentType, variable: variable.variableType),
            ])))
        }

        /// `clear-cache`.
        public static func clearCache() -> Call { Call(ClearCache.Request()) }

        /// `trigger-message`: a 1.6 MessageTrigger name (or a 2.0.1 MessageTriggerEnumType value),
        /// for the EVSE of `connector` when given and > 0 (with connector 1 for StatusNotification,
        /// which 2.0.1 requires to name a connector).
        public static func triggerMessage(_ requestedMessage: String, connector: Int? = nil) throws(MappingError) -> Call {
            guard let trigger = triggerMessages[requestedMessage] ?? MessageTriggerEnumType(rawValue: requestedMessage) else {
                throw MappingError("requestedMessage \"\(requestedMessage.prefix(50))\" has no OCPP 2.0.1 equivalent")
            }
            let evse = connector.flatMap { $0 > 0 ? EVSEType(id: $0, connectorId: trigger == .statusNotification ? 1 : nil) : nil }
            return Call(TriggerMessage.Request(evse: evse, requestedMessage: trigger))
        }

        /// `change-availability`: Operative / Inoperative, of the EVSE of `connector` (0: the station).
        public static func changeAvailability(operative: Bool, connector: Int) -> Call {
            Call(ChangeAvailability.Request(evse: connector > 0 ? EVSEType(id: connector) : nil,
                                            operationalStatus: operative ? .operative : .inoperative))
        }

        /// `update-firmware`: `location` and `retrieveDate` become `firmware`; `requestId` comes
        /// back in FirmwareStatusNotification.
        public static func updateFirmware(location: String, retrieveDate: Date, retries: Int? = nil, retryInterval: Int? = nil,
                                          requestId: Int) -> Call {
            Call(UpdateFirmware.Request(retries: retries, retryInterval: retryInterval, requestId: requestId,
                                        firmware: FirmwareType(location: location, retrieveDateTime: retrieveDate)))
        }

        /// `get-diagnostics`: GetLog of the DiagnosticsLog to `location`, for the period
        /// `startTime`…`stopTime`; `requestId` comes back in LogStatusNotification.
        public static func getDiagnostics(location: String, startTime: Date? = nil, stopTime: Date? = nil, retries: Int? = nil,
                                          retryInterval: Int? = nil, requestId: Int) -> Call {
            Call(GetLog.Request(log: LogParametersType(remoteLocation: location, oldestTimestamp: startTime, latestTimestamp: stopTime),
                                logType: .diagnosticsLog, requestId: requestId, retries: retries, retryInterval: retryInterval))
        }

        /// `data-transfer`.
        public static func dataTransfer(vendorId: String, messageId: String? = nil, data: JSONValue? = nil) -> Call {
            Call(DataTransfer.Request(messageId: messageId, data: data, vendorId: vendorId))
        }

        // MARK: 1.6 calls

        /// Translates a 1.6 CSMS-initiated call (as published on `calls/{cp}/request`) into the
        /// 2.0.1 call for a 2.0.1 station. The 1.6 payload is validated strictly, except that
        /// RemoteStopTransaction also takes a string `transactionId` (2.0.1 ids are strings).
        /// `requestId` is used where 2.0.1 needs one (remoteStartId, UpdateFirmware, GetLog).
        /// A 1.6 RemoteStartTransaction chargingProfile cannot be translated and is an error.
        public static func translate(action: String, payload: JSONValue, requestId: Int) throws(MappingError) -> Translation {
            func decode<T: OCPPPayload>(_ type: T.Type) throws(MappingError) -> T {
                do {
                    return try OCPPPayloadCoding.decode(type, from: payload, mode: .strict)
                } catch {
                    throw MappingError("\(action): \(error.description)")
                }
            }
            switch action {
            case "Reset":
                return Translation(call: reset(hard: try decode(OCPP16.Reset.Request.self).type == .hard))
            case "RemoteStartTransaction":
                let request = try decode(OCPP16.RemoteStartTransaction.Request.self)
                guard request.chargingProfile == nil else {
                    throw MappingError("RemoteStartTransaction: a 1.6 chargingProfile cannot be sent to an OCPP 2.0.1 station")
                }
                return Translation(call: remoteStart(idTag: request.idTag, connector: request.connectorId, remoteStartId: requestId))
            case "RemoteStopTransaction":
                guard case .object(let object) = payload, object.count == 1, let id = object["transactionId"] else {
                    throw MappingError("RemoteStopTransaction: expected {\"transactionId\": …}")
                }
                switch id {
                case .string(let text) where !text.isEmpty: return Translation(call: remoteStop(transactionId: text))
                case .number(let number) where number.rounded() == number && abs(number) < 9.0e15:
                    return Translation(call: remoteStop(transactionId: String(Int64(number))))
                default: throw MappingError("RemoteStopTransaction: transactionId must be a string or an integer")
                }
            case "UnlockConnector":
                return Translation(call: unlock(connector: try decode(OCPP16.UnlockConnector.Request.self).connectorId))
            case "GetConfiguration":
                return getConfiguration(keys: try decode(OCPP16.GetConfiguration.Request.self).key)
            case "ChangeConfiguration":
                let request = try decode(OCPP16.ChangeConfiguration.Request.self)
                return changeConfiguration(key: request.key, value: request.value)
            case "ClearCache":
                _ = try decode(OCPP16.ClearCache.Request.self)
                return Translation(call: clearCache())
            case "TriggerMessage":
                let request = try decode(OCPP16.TriggerMessage.Request.self)
                return Translation(call: try triggerMessage(request.requestedMessage.rawValue, connector: request.connectorId))
            case "ChangeAvailability":
                let request = try decode(OCPP16.ChangeAvailability.Request.self)
                return Translation(call: changeAvailability(operative: request.type == .operative, connector: request.connectorId))
            case "UpdateFirmware":
                let request = try decode(OCPP16.UpdateFirmware.Request.self)
                return Translation(call: updateFirmware(location: request.location, retrieveDate: request.retrieveDate,
                                                        retries: request.retries, retryInterval: request.retryInterval, requestId: requestId))
            case "GetDiagnostics":
                let request = try decode(OCPP16.GetDiagnostics.Request.self)
                return Translation(call: getDiagnostics(location: request.location, startTime: request.startTime, stopTime: request.stopTime,
                                                        retries: request.retries, retryInterval: request.retryInterval, requestId: requestId))
            case "DataTransfer":
                let request = try decode(OCPP16.DataTransfer.Request.self)
                return Translation(call: dataTransfer(vendorId: request.vendorId, messageId: request.messageId, data: request.data))
            default:
                throw MappingError("\(action.prefix(50)) has no OCPP 2.0.1 equivalent")
            }
        }

        // MARK: Responses

        /// The 1.6-shaped response to a 1.6 `action` from the 2.0.1 station's CALLRESULT payload
        /// of the translated call. Statuses that 1.6 does not have are mapped:
        ///
        /// | 1.6 action | 2.0.1 answer | 1.6-style answer |
        /// |---|---|---|
        /// | Reset | Accepted, Scheduled / Rejected | Accepted / Rejected |
        /// | RemoteStart/StopTransaction | status (+ transactionId) | the same |
        /// | UnlockConnector | Unlocked / UnlockFailed, OngoingAuthorizedTransaction / UnknownConnector | Unlocked / UnlockFailed / NotSupported |
        /// | GetConfiguration | getVariableResult | configurationKey (Accepted; `readonly` false, as GetVariables does not tell), unknownKey (Unknown…, NotSupportedAttributeType, Rejected, and `unknownKeys`) |
        /// | ChangeConfiguration | Accepted, RebootRequired, Rejected / UnknownComponent, UnknownVariable, NotSupportedAttributeType | the same / NotSupported |
        /// | ClearCache, TriggerMessage, ChangeAvailability, DataTransfer | status | the same |
        /// | UpdateFirmware | status | `{}` plus `status` |
        /// | GetDiagnostics | status, filename | `fileName` plus `status` |
        ///
        /// Fields 1.6 does not have (`status` where 1.6 has none, `statusInfo`, `transactionId`)
        /// are kept: bus consumers ignore fields they do not know. Values are read leniently.
        public static func translateResponse(action: String, payload: JSONValue, unknownKeys: [String] = []) -> JSONValue {
            var out: [String: JSONValue] = [:]
            let status = payload["status"]?.stringValue
            if let info = payload["statusInfo"] { out["statusInfo"] = info }
            func set(_ value: String?) { if let value { out["status"] = .string(value) } }
            switch action {
            case "Reset":
                set(status.map { $0 == "Scheduled" ? "Accepted" : $0 })
            case "RemoteStartTransaction", "RemoteStopTransaction":
                set(status)
                if let id = payload["transactionId"] { out["transactionId"] = id }
            case "UnlockConnector":
                set(status.map {
                    switch $0 {
                    case "OngoingAuthorizedTransaction": "UnlockFailed"
                    case "UnknownConnector": "NotSupported"
                    default: $0
                    }
                })
            case "GetConfiguration":
                out = getConfigurationResponse(payload, unknownKeys: unknownKeys)
            case "ChangeConfiguration":
                let result = firstResult(payload["setVariableResult"])
                let attributeStatus = result?["attributeStatus"]?.stringValue
                set(attributeStatus.map {
                    switch $0 {
                    case "UnknownComponent", "UnknownVariable", "NotSupportedAttributeType": "NotSupported"
                    default: $0
                    }
                })
                if let info = result?["attributeStatusInfo"] { out["statusInfo"] = info }
            case "GetDiagnostics":
                set(status)
                if let filename = payload["filename"] { out["fileName"] = filename }
            case "DataTransfer":
                set(status)
                if let data = payload["data"] { out["data"] = data }
            default: // ClearCache, TriggerMessage, ChangeAvailability, UpdateFirmware
                set(status)
            }
            return .object(out)
        }

        private static func firstResult(_ value: JSONValue?) -> JSONValue? {
            guard case .array(let results)? = value else { return nil }
            return results.first
        }

        private static func getConfigurationResponse(_ payload: JSONValue, unknownKeys: [String]) -> [String: JSONValue] {
            var known: [JSONValue] = []
            var unknown = unknownKeys.map(JSONValue.string)
            if case .array(let results)? = payload["getVariableResult"] {
                for result in results {
                    guard let component = result["component"]?["name"]?.stringValue,
                          let variable = result["variable"]?["name"]?.stringValue else { continue }
                    let key = configurationKeyOrName(
                        for: ComponentType(name: component, instance: result["component"]?["instance"]?.stringValue),
                        VariableType(name: variable, instance: result["variable"]?["instance"]?.stringValue))
                    if result["attributeStatus"]?.stringValue == "Accepted" {
                        var entry: [String: JSONValue] = ["key": .string(key), "readonly": .bool(false)]
                        if let value = result["attributeValue"]?.stringValue { entry["value"] = .string(value) }
                        known.append(.object(entry))
                    } else {
                        unknown.append(.string(key))
                    }
                }
            }
            var out: [String: JSONValue] = [:]
            if !known.isEmpty { out["configurationKey"] = .array(known) }
            if !unknown.isEmpty { out["unknownKey"] = .array(unknown) }
            return out
        }
    }
}
