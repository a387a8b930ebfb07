import ChargeBusContract
import ChargeBusMQTT
import Foundation

/// Where the bridge sends what chargers say. The MQTT implementation is the real one; unit
/// tests substitute a recorder.
public protocol BusPublisher: Sendable {
    /// Publishes and, when `awaitBrokerAck` is set and QoS is 1, returns only after the broker's PUBACK.
    func publish(_ topic: String, payload: [UInt8], qos: MQTTQoS, retain: Bool, awaitBrokerAck: Bool) async throws
}

extension MQTTClient: BusPublisher {
    public func publish(_ topic: String, payload: [UInt8], qos: MQTTQoS, retain: Bool, awaitBrokerAck: Bool) async throws {
        if awaitBrokerAck && qos == .atLeastOnce {
            try await publishAcknowledged(topic, payload: payload, retain: retain)
        } else {
            try await publish(topic, payload: payload, qos: qos, retain: retain)
        }
    }
}

/// Encodes contract payloads and publishes them with the QoS and retain flag `topics.md` gives each topic.
public struct BusWriter: Sendable {
    public let topics: Topics
    let publisher: any BusPublisher
    let awaitBrokerAck: Bool

    public init(topics: Topics, publisher: any BusPublisher, awaitBrokerAck: Bool) {
        self.topics = topics
        self.publisher = publisher
        self.awaitBrokerAck = awaitBrokerAck
    }

    func send<T: Encodable>(_ value: T, to topic: String, qos: MQTTQoS = .atLeastOnce, retain: Bool = false) async throws {
        let encoder = BusCoding.makeEncoder()
        let payload = Array(try encoder.encode(value))
        try await publisher.publish(topic, payload: payload, qos: qos, retain: retain, awaitBrokerAck: awaitBrokerAck && qos == .atLeastOnce)
    }

    func sendRaw(_ payload: String, to topic: String, qos: MQTTQoS) async throws {
        try await publisher.publish(topic, payload: Array(payload.utf8), qos: qos, retain: false, awaitBrokerAck: false)
    }

    public func chargerState(_ chargerID: String, _ state: ChargerState) async throws {
        try await send(state, to: topics.chargerState(chargerID), retain: true)
    }

    public func boot(_ chargerID: String, _ boot: BootInfo) async throws {
        try await send(boot, to: topics.boot(chargerID), retain: true)
    }

    public func heartbeat(_ chargerID: String, _ heartbeat: HeartbeatInfo) async throws {
        try await send(heartbeat, to: topics.heartbeat(chargerID), qos: .atMostOnce)
    }

    public func connectorStatus(_ chargerID: String, connector: Int, _ status: ConnectorStatus) async throws {
        try await send(status, to: topics.connectorStatus(chargerID, connector: connector), retain: true)
    }

    public func meter(_ chargerID: String, connector: Int, _ reading: MeterReading) async throws {
        try await send(reading, to: topics.meter(chargerID, connector: connector))
    }

    public func transaction(_ chargerID: String, _ event: TransactionEvent) async throws {
        try await send(event, to: topics.transactions(chargerID))
    }

    public func event(_ chargerID: String, _ event: ChargerEvent) async throws {
        try await send(event, to: topics.event(chargerID, name: event.name))
    }

    public func ocppFrame(_ chargerID: String, at: Date, direction: OCPPFrameLog.Direction, frame: String, isValidJSON: Bool) async throws {
        let payload = OCPPFrameLog.payload(at: at, direction: direction, rawFrame: frame, isValidJSON: isValidJSON)
        try await sendRaw(payload, to: topics.ocppLog(chargerID), qos: .atMostOnce)
    }

    public func bridgeState(_ bridgeID: String, _ state: BridgeState) async throws {
        try await send(state, to: topics.bridge(bridgeID), retain: true)
    }

    public func callResponse(_ chargerID: String, _ response: CallResponse) async throws {
        try await send(response, to: topics.callResponse(chargerID))
    }
}
