import ChargeBusContract
import Foundation
import Testing
@testable import ChargeBusOCPP

/// Mapping OCPP 2.0.1 into the shared bus vocabulary: connector status, meter readings, faults
/// from NotifyEvent, stop reasons and configuration keys.
@Suite struct OCPP201NormalizationTests {
    // MARK: Connector status

    @Test func statusTableIsExhaustive() {
        let states: [OCPP201.ChargingStateEnumType?] = [nil] + OCPP201.ChargingStateEnumType.allCases
        for connector in OCPP201.ConnectorStatusEnumType.allCases {
            for state in states {
                for hasTransaction in [false, true] {
                    for ended in [false, true] {
                        let status = OCPP201.sharedStatus(connectorStatus: connector, chargingState: state,
                                                          hasTransaction: hasTransaction, transactionEnded: ended)
                        #expect(OCPP16.ChargePointStatus(rawValue: status) != nil)
                        let expected: String
                        switch (connector, state) {
                        case (.available, _): expected = "Available"
                        case (.reserved, _): expected = "Reserved"
                        case (.unavailable, _): expected = "Unavailable"
                        case (.faulted, _): expected = "Faulted"
                        case (.occupied, .charging?): expected = "Charging"
                        case (.occupied, .suspendedEV?): expected = "SuspendedEV"
                        case (.occupied, .suspendedEVSE?): expected = "SuspendedEVSE"
                        case (.occupied, .evConnected?): expected = ended && !hasTransaction ? "Finishing" : "Preparing"
                        case (.occupied, .idle?): expected = hasTransaction || ended ? "Finishing" : "Preparing"
                        case (.occupied, nil): expected = hasTransaction ? "Charging" : ended ? "Finishing" : "Preparing"
                        }
                        #expect(status == expected, "\(connector) \(String(describing: state)) tx:\(hasTransaction) ended:\(ended)")
                    }
                }
            }
        }
        // The brief's rows, with the default `transactionEnded: false`.
        #expect(OCPP201.sharedStatus(connectorStatus: .occupied, chargingState: .evConnected, hasTransaction: false) == "Preparing")
        #expect(OCPP201.sharedStatus(connectorStatus: .occupied, chargingState: .evConnected, hasTransaction: true) == "Preparing")
        #expect(OCPP201.sharedStatus(connectorStatus: .occupied, chargingState: .idle, hasTransaction: true) == "Finishing")
        #expect(OCPP201.sharedStatus(connectorStatus: .occupied, chargingState: .idle, hasTransaction: false) == "Preparing")
        #expect(OCPP201.sharedStatus(connectorStatus: .available, chargingState: .charging, hasTransaction: true) == "Available")
    }

    @Test func sharedStopReasonAndAuthorizationStatus() {
        for reason in OCPP201.ReasonEnumType.allCases {
            #expect(OCPP16.Reason(rawValue: OCPP201.sharedStopReason(reason)) != nil, "\(reason)")
        }
        #expect(OCPP201.sharedStopReason(nil) == "Local")
        #expect(OCPP201.sharedStopReason(.evDisconnected) == "EVDisconnected")
        #expect(OCPP201.sharedStopReason(.immediateReset) == "HardReset")
        #expect(OCPP201.sharedStopReason(.timeLimitReached) == "Other")
        for status in OCPP201.AuthorizationStatusEnumType.allCases {
            #expect(OCPP16.AuthorizationStatus(rawValue: OCPP201.sharedAuthorizationStatus(status)) != nil)
        }
        #expect(OCPP201.sharedAuthorizationStatus(.notAtThisTime) == "Invalid")
        #expect(OCPP201.sharedAuthorizationStatus(.concurrentTx) == "ConcurrentTx")
        let info = OCPP201.idTokenInfo(from: .init(status: .blocked, expiryDate: date("2024-06-01T00:00:00Z"), parentIdTag: "FLEET-1"))
        #expect(info == OCPP201.IdTokenInfoType(status: .blocked, cacheExpiryDateTime: date("2024-06-01T00:00:00Z"),
                                                groupIdToken: .init(idToken: "FLEET-1", type: .central)))
    }

    // MARK: Meter values

    @Test func meterSamplesWithMultipliersAndPhases() throws {
        let request = try OCPPPayloadCoding.decode(OCPP201.TransactionEvent.Request.self, from: json(#"""
            {"eventType":"Updated","timestamp":"2024-05-01T10:13:01Z","triggerReason":"MeterValuePeriodic","seqNo":1,
             "transactionInfo":{"transactionId":"T-1","chargingState":"Charging"},
             "meterValue":[{"timestamp":"2024-05-01T10:13:00Z","sampledValue":[
               {"value":1.5025,"context":"Sample.Periodic","measurand":"Energy.Active.Import.Register","unitOfMeasure":{"unit":"kWh","multiplier":3}},
               {"value":3.68,"measurand":"Power.Active.Import","phase":"L1","unitOfMeasure":{"unit":"kW"}},
               {"value":3700,"measurand":"Power.Active.Import","phase":"L2","unitOfMeasure":{"unit":"W"}},
               {"value":37,"measurand":"Power.Active.Import","phase":"L3","unitOfMeasure":{"unit":"W","multiplier":2}},
               {"value":16000,"measurand":"Current.Import","phase":"L1","unitOfMeasure":{"unit":"A","multiplier":-3}},
               {"value":231.5,"measurand":"Voltage","phase":"L1-N","unitOfMeasure":{"unit":"V"}},
               {"value":54,"measurand":"SoC","location":"EV","unitOfMeasure":{"unit":"Percent"}},
               {"value":50.0,"measurand":"Frequency"},
               {"value":1000}]}]}
            """#), mode: .strict)
        let meterValue = try #require(request.meterValue?.first)
        let samples = OCPP201.meterSamples(from: meterValue)
        #expect(samples.count == 9)
        #expect(samples[0] == MeterSample(measurand: "Energy.Active.Import.Register", unit: "kWh", multiplier: 3, value: .number(1.5025),
                                          context: "Sample.Periodic"))
        #expect(samples[4].multiplier == -3)
        #expect(samples[8].measurand == "Energy.Active.Import.Register") // the default
        #expect(samples[8].unit == nil)

        let received = date("2024-05-01T10:13:02Z")
        let (reading, skipped) = MeterNormalizer.normalize(samples: samples, at: meterValue.timestamp, receivedAt: received,
                                                           transactionId: .string(request.transactionInfo.transactionId))
        #expect(skipped.isEmpty)
        #expect(reading.at == date("2024-05-01T10:13:00Z"))
        #expect(reading.transactionId == .string("T-1"))
        #expect(reading.energyWh == 1_502_500) // 1.5025 kWh × 10^3 = 1502.5 kWh
        #expect(abs((reading.powerW ?? 0) - 11080) < 1e-6) // L1 + L2 + L3
        #expect(reading.phases?["L1"] == MeterReading.PhaseValues(powerW: 3680, currentA: 16))
        #expect(reading.phases?["L3"]?.powerW == 3700)
        #expect(reading.phases?["L1-N"]?.voltageV == 231.5)
        #expect(reading.soc == 54)
        #expect(reading.context == "Sample.Periodic")
        // The MeterNormalizer overload gives the same reading.
        #expect(MeterNormalizer.normalize(meterValue, receivedAt: received, transactionId: .string("T-1")).reading == reading)
    }

    @Test func signedSamplesStillCarryTheirValue() {
        let sampled = OCPP201.SampledValueType(value: 1234, signedMeterValue: .init(signedMeterData: "QUJD", signingMethod: "m",
                                                                                    encodingMethod: "OCMF", publicKey: "K"))
        let sample = OCPP201.meterSample(sampled)
        #expect(!sample.isSigned)
        #expect(sample.numericValue == 1234)
    }

    // MARK: NotifyEvent problems

    private func event(component: String, variable: String = "Problem", actualValue: String = "true",
                       trigger: OCPP201.EventTriggerEnumType = .delta,
                       notification: OCPP201.EventNotificationEnumType = .hardWiredMonitor, techCode: String? = nil,
                       techInfo: String? = nil, cleared: Bool? = nil) -> OCPP201.EventDataType {
        OCPP201.EventDataType(eventId: 1, timestamp: date("2024-05-01T10:00:00Z"), trigger: trigger, actualValue: actualValue,
                              techCode: techCode, techInfo: techInfo, cleared: cleared,
                              component: .init(name: component, evse: .init(id: 1, connectorId: 1)),
                              eventNotificationType: notification, variable: .init(name: variable))
    }

    @Test func problemRaisedAndCleared() throws {
        let raised = try #require(OCPP201.problem(from: event(component: "ConnectorPlugRetentionLock", techCode: "E-LOCK-3",
                                                              techInfo: "lock motor stalled")))
        #expect(raised.errorCode == "ConnectorLockFailure")
        #expect(raised.vendorErrorCode == "E-LOCK-3")
        #expect(raised.info == "lock motor stalled")

        let cleared = event(component: "ConnectorPlugRetentionLock", actualValue: "false")
        #expect(OCPP201.problem(from: cleared) == nil)
        #expect(OCPP201.problemState(from: cleared) == .cleared)
        #expect(OCPP201.problemState(from: event(component: "ConnectorPlugRetentionLock", cleared: true)) == .cleared)
        // A cleared flag wins over a stale Actual value.
        #expect(OCPP201.problemState(from: event(component: "RCD", variable: "Tripped", actualValue: "true", cleared: true)) == .cleared)
    }

    @Test func problemErrorCodes() throws {
        let cases: [(String, String, String)] = [
            ("ConnectorPlugRetentionLock", "Problem", "ConnectorLockFailure"),
            ("OverCurrentProtection", "Operated", "OverCurrentFailure"),
            ("RCD", "Tripped", "GroundFailure"),
            ("PowerContactor", "Problem", "PowerSwitchFailure"),
            ("FiscalMetering", "Problem", "PowerMeterFailure"),
            ("TokenReader", "Problem", "ReaderFailure"),
            ("ConnectedEV", "Problem", "EVCommunicationError"),
            ("TemperatureSensor", "Problem", "HighTemperature"),
            ("Controller", "Problem", "InternalError"),
            ("OCPPCommCtrlr", "Problem", "InternalError"),
            ("controller", "problem", "InternalError"), // names are case insensitive
            ("EmergencyStopSensor", "Problem", "OtherError"),
            ("ChargingStation", "Problem", "OtherError"),
        ]
        for (component, variable, code) in cases {
            #expect(OCPP201.problem(from: event(component: component, variable: variable))?.errorCode == code, "\(component)")
        }
        // A temperature threshold crossed on any component.
        let hot = try #require(OCPP201.problem(from: event(component: "ChargingStation", variable: "Temperature", actualValue: "85.5",
                                                           trigger: .alerting, notification: .customMonitor)))
        #expect(hot.errorCode == "HighTemperature")
        #expect(hot.info == "ChargingStation.Temperature=85.5")
        #expect(hot.vendorErrorCode == nil)
        // A techCode that is a 1.6 error code is used as it is.
        #expect(OCPP201.problem(from: event(component: "EVSE", techCode: "UnderVoltage"))?.errorCode == "UnderVoltage")
        #expect(OCPP201.problem(from: event(component: "EVSE", techCode: "NoError"))?.errorCode == "OtherError")
    }

    @Test func hardWiredNotificationsAndUnrelatedEvents() throws {
        let notification = event(component: "EVSE", variable: "AvailabilityState", actualValue: "Faulted", notification: .hardWiredNotification,
                                 techCode: "F042", techInfo: "pilot signal short circuit")
        #expect(OCPP201.problem(from: notification)?.vendorErrorCode == "F042")
        // Periodic and Delta reports of ordinary variables are not problems.
        #expect(OCPP201.problemState(from: event(component: "EVSE", variable: "AvailabilityState", actualValue: "Occupied")) == .unrelated)
        #expect(OCPP201.problemState(from: event(component: "EVSE", variable: "Power", actualValue: "7200", trigger: .periodic)) == .unrelated)
        #expect(OCPP201.problemState(from: event(component: "X", actualValue: "maybe")) == .unrelated)
        // info is cut to the 50 characters of the status topic.
        let long = try #require(OCPP201.problem(from: event(component: "ConnectorPlugRetentionLock", techInfo: String(repeating: "é", count: 80))))
        #expect(long.info == String(repeating: "é", count: 50))
        let derived = try #require(OCPP201.problem(from: event(component: String(repeating: "C", count: 40), actualValue: "true")))
        #expect(derived.info?.count == 50)
    }

    // MARK: Configuration keys

    @Test func configurationKeyMapBothWays() throws {
        let pairs: [(String, String)] = [
            ("HeartbeatInterval", "OCPPCommCtrlr.HeartbeatInterval"),
            ("MeterValueSampleInterval", "SampledDataCtrlr.TxUpdatedInterval"),
            ("ConnectionTimeOut", "TxCtrlr.EVConnectionTimeOut"),
            ("WebSocketPingInterval", "OCPPCommCtrlr.WebSocketPingInterval"),
            ("MeterValuesSampledData", "SampledDataCtrlr.TxUpdatedMeasurands"),
            ("LocalPreAuthorize", "AuthCtrlr.LocalPreAuthorize"),
            ("AuthorizeRemoteTxRequests", "AuthCtrlr.AuthorizeRemoteStart"),
            ("ClockAlignedDataInterval", "AlignedDataCtrlr.Interval"),
            ("StopTransactionOnEVSideDisconnect", "TxCtrlr.StopTxOnEVSideDisconnect"),
            ("ResetRetries", "OCPPCommCtrlr.ResetRetries"),
            ("TransactionMessageAttempts", "OCPPCommCtrlr.MessageAttempts[TransactionEvent]"),
        ]
        for (key, name) in pairs {
            let variable = try #require(OCPP201.componentVariable(forConfigurationKey: key))
            #expect(variable.description == name)
            #expect(OCPP201.configurationKey(for: variable.componentType, variable.variableType) == key)
            #expect(ComponentVariableRoundTrip.parse(name) == variable)
        }
        // Every entry maps back to its key, and no two keys share a variable.
        for (key, variable) in OCPP201.configurationKeyMap {
            #expect(OCPP201.configurationKey(for: variable.componentType, variable.variableType) == key)
        }
        #expect(Set(OCPP201.configurationKeyMap.values).count == OCPP201.configurationKeyMap.count)
        // 1.6 keys are CiStrings; 2.0.1 names are case insensitive.
        #expect(OCPP201.componentVariable(forConfigurationKey: "heartbeatinterval")?.variable == "HeartbeatInterval")
        #expect(OCPP201.configurationKey(for: .init(name: "ocppcommctrlr"), .init(name: "HEARTBEATINTERVAL")) == "HeartbeatInterval")
        // `Component.Variable` reaches 2.0.1-only variables; keys without an equivalent give nil.
        #expect(OCPP201.componentVariable(forConfigurationKey: "TxCtrlr.TxStartPoint") == .init(component: "TxCtrlr", variable: "TxStartPoint"))
        #expect(OCPP201.componentVariable(forConfigurationKey: "EVSE[2].Power")?.componentInstance == "2")
        #expect(OCPP201.componentVariable(forConfigurationKey: "LightIntensity") == nil)
        #expect(OCPP201.componentVariable(forConfigurationKey: ".x") == nil)
        #expect(OCPP201.configurationKey(for: .init(name: "TxCtrlr"), .init(name: "TxStartPoint")) == nil)
        #expect(OCPP201.configurationKeyOrName(for: .init(name: "TxCtrlr"), .init(name: "TxStartPoint")) == "TxCtrlr.TxStartPoint")
    }
}

private enum ComponentVariableRoundTrip {
    static func parse(_ text: String) -> OCPP201.ComponentVariable? { OCPP201.ComponentVariable(parsing: text) }
}

extension OCPP201NormalizationTests {
    @Test func firmwareAndLogStatusesInThe16Vocabulary() {
        for status in OCPP201.FirmwareStatusEnumType.allCases {
            #expect(OCPP16.FirmwareStatus(rawValue: OCPP201.sharedFirmwareStatus(status)) != nil, "\(status)")
        }
        #expect(OCPP201.sharedFirmwareStatus(.invalidSignature) == "InstallationFailed")
        #expect(OCPP201.sharedFirmwareStatus(.installRebooting) == "Installing")
        for status in OCPP201.UploadLogStatusEnumType.allCases {
            #expect(OCPP16.DiagnosticsStatus(rawValue: OCPP201.sharedDiagnosticsStatus(status)) != nil, "\(status)")
        }
        #expect(OCPP201.sharedDiagnosticsStatus(.permissionDenied) == "UploadFailed")
    }

    @Test func identities() {
        #expect(OCPP201.isValidIdentity("CP-0001"))
        #expect(OCPP201.isValidIdentity(String(repeating: "a", count: 48)))
        #expect(!OCPP201.isValidIdentity(String(repeating: "a", count: 49)))
        #expect(!OCPP201.isValidIdentity("cp:1"))
        #expect(!OCPP201.isValidIdentity(""))
    }
}

extension OCPP201NormalizationTests {
    @Test func energyRegisterOfTransactionEvents() throws {
        let meterValues = try OCPPPayloadCoding.decode(OCPP201.TransactionEvent.Request.self, from: json(#"""
            {"eventType":"Ended","timestamp":"2024-05-01T11:00:00Z","triggerReason":"EVDeparted","seqNo":9,"transactionInfo":{"transactionId":"T"},
             "meterValue":[
               {"timestamp":"2024-05-01T10:00:00Z","sampledValue":[{"value":1500.23,"context":"Transaction.Begin","unitOfMeasure":{"unit":"kWh"}}]},
               {"timestamp":"2024-05-01T10:30:00Z","sampledValue":[{"value":1505230,"context":"Sample.Periodic"},{"value":7200,"measurand":"Power.Active.Import"}]},
               {"timestamp":"2024-05-01T11:00:00Z","sampledValue":[{"value":1510.23,"context":"Transaction.End","unitOfMeasure":{"unit":"Wh","multiplier":3}}]}]}
            """#), mode: .strict).meterValue
        #expect(OCPP201.energyRegisterWh(in: meterValues, context: .transactionBegin) == 1_500_230)
        #expect(OCPP201.energyRegisterWh(in: meterValues, context: .transactionEnd) == 1_510_230)
        // Without a sample of that context: the first (Begin) or last (End) register sent.
        let periodic = Array(meterValues![1...1])
        #expect(OCPP201.energyRegisterWh(in: periodic, context: .transactionBegin) == 1_505_230)
        #expect(OCPP201.energyRegisterWh(in: periodic, context: .transactionEnd) == 1_505_230)
        #expect(OCPP201.energyRegisterWh(in: nil, context: .transactionEnd) == nil)
        let powerOnly = [OCPP201.MeterValueType(sampledValue: [.init(value: 7200, measurand: .powerActiveImport)], timestamp: date("2024-05-01T10:00:00Z"))]
        #expect(OCPP201.energyRegisterWh(in: powerOnly, context: .transactionEnd) == nil)
    }
}
