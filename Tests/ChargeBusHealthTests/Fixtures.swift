import ChargeBusContract
@testable import ChargeBusHealth
import Foundation

/// Explicit times: T0 + seconds.
let T0 = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15T08:00:00Z
func t(_ seconds: Double) -> Date { T0.addingTimeInterval(seconds) }

/// Drives a `HealthEngine` with explicit times and keeps what it drained.
struct EngineHarness {
    var engine: HealthEngine
    var transitions: [BucketTransition] = []
    var published: [String: ChargerHealth] = [:]
    var sessions: [String: LiveSession?] = [:]
    var connectivity: [ConnectivityEvent] = []
    var heartbeatSlots: [HeartbeatSlot] = []

    init(configuration: HealthConfiguration = HealthConfiguration(), restored: RestoredHistory = .init(), settleAt: Date? = T0) {
        engine = HealthEngine(configuration: configuration, restored: restored)
        if let settleAt { engine.settle(now: settleAt) }
    }

    mutating func apply(_ input: HealthInput, at now: Date) {
        engine.apply(input, now: now)
        drain(now)
    }

    mutating func tick(_ now: Date) {
        engine.tick(now: now)
        drain(now)
    }

    mutating func settle(_ now: Date) {
        engine.settle(now: now)
        drain(now)
    }

    mutating func drain(_ now: Date) {
        let out = engine.drain(now: now)
        transitions += out.transitions
        connectivity += out.connectivityEvents
        heartbeatSlots += out.heartbeatSlots
        for (id, health) in out.chargerHealth { published[id] = health }
        for (id, connector, session) in out.sessions { sessions["\(id)/\(connector)"] = .some(session) }
    }

    func bucket(_ id: String) -> HealthBucket? { engine.chargers[id]?.bucket }
    func since(_ id: String) -> Date? { engine.chargers[id]?.since }

    // Convenience inputs

    mutating func register(_ id: String, site: String = "depot", class klass: String = "L2", at: Date = T0) {
        apply(.info(chargerID: id, ChargerInfo(at: at, site: site, class: klass, connectors: 2, maxPowerW: 22_000,
                                               lenient: false, autoRegistered: false)), at: at)
    }

    mutating func online(_ id: String, at: Date, bridge: String = "bridge-1") {
        apply(.state(chargerID: id, .online(at: at, bridge: bridge, protocol: "ocpp1.6", remote: "10.0.0.1:1")), at: at)
    }

    mutating func offline(_ id: String, at: Date, reason: ChargerState.OfflineReason = .closed, bridge: String = "bridge-1") {
        apply(.state(chargerID: id, .offline(at: at, bridge: bridge, reason: reason)), at: at)
    }

    mutating func boot(_ id: String, interval: Int, at: Date) {
        apply(.boot(chargerID: id, BootInfo(at: at, vendor: "V", model: "M", intervalS: interval)), at: at)
    }

    mutating func status(_ id: String, _ connector: Int, _ status: String, error: String = "NoError", at: Date,
                         vendorErrorCode: String? = nil) {
        apply(.connectorStatus(chargerID: id, connector: connector,
                               ConnectorStatus(at: at, status: status, errorCode: error, vendorId: vendorErrorCode == nil ? nil : "com.example",
                                               vendorErrorCode: vendorErrorCode)), at: at)
    }

    mutating func heartbeat(_ id: String, at: Date) {
        apply(.heartbeat(chargerID: id, at: at), at: at)
    }

    mutating func start(_ id: String, connector: Int, tx: Int, at: Date, tag: String = "TAG1") {
        apply(.transaction(chargerID: id, TransactionEvent(at: at, event: .started, transactionId: .int(tx), connector: connector,
                                                           idTag: tag, idTagStatus: "Accepted", meterStartWh: 1000)), at: at)
    }

    mutating func stop(_ id: String, connector: Int, tx: Int, at: Date) {
        apply(.transaction(chargerID: id, TransactionEvent(at: at, event: .stopped, transactionId: .int(tx), connector: connector,
                                                           meterStopWh: 5000, energyWh: 4000, reason: "Local")), at: at)
    }

    mutating func signal(_ id: String, data: JSONValue, at: Date, messageId: String = "SignalStrength") {
        apply(.event(chargerID: id, ChargerEvent(at: at, name: .dataTransfer,
                                                 data: .object(["vendorId": .string("acme"), "messageId": .string(messageId), "data": data]))),
              at: at)
    }

    mutating func bridge(_ id: String, online: Bool, at: Date?, received: Date) {
        apply(.bridge(bridgeID: id, BridgeState(online: online, bridge: id, at: at, reason: online ? nil : "connection-lost")), at: received)
    }
}
