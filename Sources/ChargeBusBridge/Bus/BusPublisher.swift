import ChargeBusContract
import ChargeBusMQTT
import Foundation

/// Where the bridge sends what chargers say. The MQTT implementation is the real one; unit
/// tests substitute a recorder.
public protocol BusPublisher: Sendable {
    /// Publishes and, when `awaitBrokerAck` is set and QoS is 1, returns only after the broker's PUBACK.
    func publish(_ topic: String, payload: [UInt8], qos: MQTTQoS, retain: Bool, awaitBrokerAck: Bool) async throws

    /// For the meter fast path, which runs on a NIO event loop and must not suspend: queues a QoS 1 message (or,
    /// when the in-flight window is full, keeps it to publish as soon as a slot frees: `.deferred`) and calls
    /// `onAcknowledged` once the broker acknowledged it (or failed it). `.unavailable`: nothing was sent and
    /// `onAcknowledged` will not be called.
    func tryPublishAcknowledged(_ topic: String, payload: [UInt8],
                                onAcknowledged: @escaping @Sendable (Result<Void, any Error>) -> Void) -> FastPublishOutcome

    /// QoS 0 without suspending (the raw frame log of the fast path). False when it could not be sent.
    func publishNow(_ topic: String, payload: [UInt8]) -> Bool
}

/// What a non-suspending publish did.
public enum FastPublishOutcome: Sendable, Equatable {
    case queued
    /// The in-flight window was full: the message goes out, in order, as soon as a slot frees.
    case deferred
    /// This publisher has no non-suspending path, or refused at once.
    case unavailable

    /// Whether the message will be published and `onAcknowledged` called.
    public var isAccepted: Bool { self == .queued || self == .deferred }
}

extension BusPublisher {
    public func tryPublishAcknowledged(_ topic: String, payload: [UInt8],
                                       onAcknowledged: @escaping @Sendable (Result<Void, any Error>) -> Void) -> FastPublishOutcome {
        .unavailable
    }

    public func publishNow(_ topic: String, payload: [UInt8]) -> Bool { false }
}

extension MQTTClient: BusPublisher {
    public func publish(_ topic: String, payload: [UInt8], qos: MQTTQoS, retain: Bool, awaitBrokerAck: Bool) async throws {
        if awaitBrokerAck && qos == .atLeastOnce {
            try await publishAcknowledged(topic, payload: payload, retain: retain)
        } else {
            try await publish(topic, payload: payload, qos: qos, retain: retain)
        }
    }

    public func tryPublishAcknowledged(_ topic: String, payload: [UInt8],
                                       onAcknowledged: @escaping @Sendable (Result<Void, any Error>) -> Void) -> FastPublishOutcome {
        switch tryPublishAcknowledged(topic, payload: payload, retain: false, waitForSlot: true,
                                      onAcknowledged: { onAcknowledged($0.mapError { $0 }) }) {
        case .queued: .queued
        case .deferred: .deferred
        case .noSlot, .failed: .unavailable
        }
    }

    public func publishNow(_ topic: String, payload: [UInt8]) -> Bool {
        (try? publishNow(topic, payload: payload, retain: false).get()) != nil
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

    public func info(_ chargerID: String, _ info: ChargerInfo) async throws {
        try await send(info, to: topics.info(chargerID), retain: true)
    }

    /// Clears a retained topic: an empty retained payload means "no longer exists".
    public func clearRetained(_ topic: String) async throws {
        try await publisher.publish(topic, payload: [], qos: .atLeastOnce, retain: true, awaitBrokerAck: awaitBrokerAck)
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
        try await publisher.publish(topics.meter(chargerID, connector: connector), payload: reading.busJSON(), qos: .atLeastOnce,
                                    retain: false, awaitBrokerAck: awaitBrokerAck)
    }

    /// `meter` without suspending, for the fast path. `onPublished` is called (on the MQTT thread) once the broker
    /// acknowledged the message, or at once after queueing it when the bridge does not wait for acknowledgements.
    func tryMeter(_ chargerID: String, connector: Int, _ reading: MeterReading,
                  onPublished: @escaping @Sendable (Result<Void, any Error>) -> Void) -> FastPublishOutcome {
        let topic = topics.meter(chargerID, connector: connector)
        guard awaitBrokerAck else {
            let outcome = publisher.tryPublishAcknowledged(topic, payload: reading.busJSON()) { _ in }
            if outcome.isAccepted { onPublished(.success(())) }
            return outcome
        }
        return publisher.tryPublishAcknowledged(topic, payload: reading.busJSON(), onAcknowledged: onPublished)
    }

    /// `ocppFrame` without suspending. QoS 0, so a frame logged while the broker is away is simply not logged.
    func ocppFrameNow(_ chargerID: String, at: Date, direction: OCPPFrameLog.Direction, validFrame frame: UnsafeRawBufferPointer) {
        _ = publisher.publishNow(topics.ocppLog(chargerID), payload: OCPPFrameLog.payload(at: at, direction: direction, validFrame: frame))
    }

    func ocppFrameNow(_ chargerID: String, at: Date, direction: OCPPFrameLog.Direction, validFrame frame: String) {
        var frame = frame
        frame.withUTF8 { ocppFrameNow(chargerID, at: at, direction: direction, validFrame: UnsafeRawBufferPointer($0)) }
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
