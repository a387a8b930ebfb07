import ChargeBusContract
import ChargeBusDaemonKit
import ChargeBusMQTT
import Foundation

/// Turns MQTT messages into engine inputs. Anything that does not decode is logged with its
/// topic, counted and skipped by `PayloadInbox`; it never reaches the engine.
struct HealthInputDecoder: Sendable {
    let topics: Topics
    let inbox: PayloadInbox

    func decode(_ message: MQTTMessage) -> HealthInput? {
        if let topic = topics.parse(message.topic) {
            return decodeBridgeTopic(topic, message)
        }
        if let topic = topics.parseHealth(message.topic) {
            return decodeOwnTopic(topic, message)
        }
        inbox.reject(message, kind: "unknown", reason: "not a topic of the contract")
        return nil
    }

    private func decodeBridgeTopic(_ topic: Topic, _ message: MQTTMessage) -> HealthInput? {
        switch topic {
        case .info(let id):
            if inbox.isCleared(message) { return .info(chargerID: id, nil) }
            return inbox.decode(ChargerInfo.self, from: message, kind: "info").map { .info(chargerID: id, $0) }
        case .chargerState(let id):
            if inbox.isCleared(message) { return nil }
            return inbox.decode(ChargerState.self, from: message, kind: "state").map { .state(chargerID: id, $0) }
        case .boot(let id):
            if inbox.isCleared(message) { return nil }
            return inbox.decode(BootInfo.self, from: message, kind: "boot").map { .boot(chargerID: id, $0) }
        case .heartbeat(let id):
            return inbox.decode(HeartbeatInfo.self, from: message, kind: "heartbeat").map { .heartbeat(chargerID: id, at: $0.at) }
        case .connectorStatus(let id, let connector):
            if inbox.isCleared(message) { return .connectorStatus(chargerID: id, connector: connector, nil) }
            return inbox.decode(ConnectorStatus.self, from: message, kind: "status")
                .map { .connectorStatus(chargerID: id, connector: connector, $0) }
        case .meter(let id, let connector):
            return inbox.decode(MeterReading.self, from: message, kind: "meter").map { .meter(chargerID: id, connector: connector, $0) }
        case .transactions(let id):
            return inbox.decode(TransactionEvent.self, from: message, kind: "transactions").map { .transaction(chargerID: id, $0) }
        case .event(let id, _):
            return inbox.decode(ChargerEvent.self, from: message, kind: "event").map { .event(chargerID: id, $0) }
        case .bridge(let id):
            if inbox.isCleared(message) { return nil }
            return inbox.decode(BridgeState.self, from: message, kind: "bridge").map { .bridge(bridgeID: id, $0) }
        case .ocppLog, .callRequest, .callResponse:
            return nil
        }
    }

    private func decodeOwnTopic(_ topic: HealthTopic, _ message: MQTTMessage) -> HealthInput? {
        guard !inbox.isCleared(message) else { return nil }
        switch topic {
        case .chargerHealth(let id):
            return inbox.decode(ChargerHealth.self, from: message, kind: "health").map { .restoredHealth(chargerID: id, $0) }
        case .session(let id, let connector):
            return inbox.decode(LiveSession.self, from: message, kind: "session")
                .map { .restoredSession(chargerID: id, connector: connector, $0) }
        case .fleetHealth, .siteHealth, .fleetProblems, .fleetConnectivity:
            return nil
        }
    }
}
