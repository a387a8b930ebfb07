import ChargeBusContract
import Foundation
@testable import ChargeBusAlerts

let t0 = Date(timeIntervalSince1970: 1_800_000_000)
func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

/// A config with only the given rules enabled, each with its defaults changed by `change`.
func config(_ kinds: [RuleKind: (inout RuleSettings) -> Void]) -> AlertsConfig {
    var c = AlertsConfig.defaults
    for i in c.rules.indices {
        if let change = kinds[c.rules[i].kind] {
            change(&c.rules[i].settings)
        } else {
            c.rules[i].settings.enabled = false
        }
    }
    return c
}

func engine(_ kinds: [RuleKind: (inout RuleSettings) -> Void], codes: CodeBook = CodeBook()) -> AlertEngine {
    AlertEngine(config: config(kinds), codes: codes)
}

extension Array where Element == EngineAction {
    var events: [AlertEvent] {
        compactMap { if case .alert(_, let event?) = $0 { return event } else { return nil } }
    }
    func events(_ kind: AlertEvent.Kind) -> [AlertEvent] { events.filter { $0.event == kind } }
    var unknownCodes: [String] {
        compactMap { if case .unknownCode(_, let code, _, _) = $0 { return code } else { return nil } }
    }
}

func status(_ s: String, _ t: Double, error: String = "NoError", vendorId: String? = nil, code: String? = nil) -> ConnectorStatus {
    ConnectorStatus(at: at(t), status: s, errorCode: error, vendorId: vendorId, vendorErrorCode: code)
}

func meter(_ t: Double, tx: Int = 1, energy: Double? = nil, power: Double? = nil, soc: Double? = nil) -> MeterReading {
    MeterReading(at: at(t), receivedAt: at(t), energyWh: energy, powerW: power, soc: soc, transactionId: .int(tx))
}

func started(_ t: Double, tx: Int = 1, connector: Int = 1) -> TransactionEvent {
    TransactionEvent(at: at(t), event: .started, transactionId: .int(tx), connector: connector, meterStartWh: 0)
}

func stopped(_ t: Double, tx: Int = 1, connector: Int = 1, energy: Double = 10_000, reason: String = "EVDisconnected") -> TransactionEvent {
    TransactionEvent(at: at(t), event: .stopped, transactionId: .int(tx), connector: connector, meterStopWh: energy, energyWh: energy, reason: reason)
}

func online(_ t: Double) -> ChargerState { .online(at: at(t), bridge: "b1", protocol: "ocpp1.6", remote: "10.0.0.1:1") }
func offline(_ t: Double) -> ChargerState { .offline(at: at(t), bridge: "b1", reason: .closed) }

let sampleCodes: CodeBook = {
    let text = """
        vendor: EVgo MREC
        vendorIds: com.evgo.mrec
        codes:
          F003: {text: "Pilot voltage low", severity: critical, action: "Inspect pilot wiring"}
          A003: {text: "Invalid vehicle mode", severity: minor}
        prefixes:
          F0: {text: "Safety fault", severity: critical}
        """
    let chargex = """
        vendor: ChargeX MREC
        vendorIds: https://chargex.inl.gov
        codes:
          CX018: {text: "Cable over-temperature, derating", severity: minor}
          CX002: {text: "Ground fault", severity: critical}
        """
    let alpi = """
        vendor: Alpitronic
        vendorIds: alpitronic
        bootVendors: alpitronic
        codes:
          1: {text: "PLC communication error", severity: minor}
        ranges:
          "24-29": {text: "Isolation fault", severity: critical}
        """
    return CodeBook(tables: [
        try! CodeBook.parseTable(ConfigNode.parse(text, file: "evgo.yaml")),
        try! CodeBook.parseTable(ConfigNode.parse(chargex, file: "chargex.yaml")),
        try! CodeBook.parseTable(ConfigNode.parse(alpi, file: "alpi.yaml")),
    ])
}()

import ChargeBusConfig
