/// Quality of service for publishes and subscriptions. QoS 2 is intentionally not offered.
public enum MQTTQoS: Int32, Sendable, Hashable, CaseIterable, Comparable {
    case atMostOnce = 0
    case atLeastOnce = 1

    public static func < (lhs: MQTTQoS, rhs: MQTTQoS) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}

/// MQTT protocol version spoken to the broker.
public enum MQTTProtocolVersion: Sendable, Hashable {
    case v5
    case v311
}

/// An MQTT 5 user property (a name/value pair; names may repeat).
public struct MQTTUserProperty: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// MQTT 5 PUBLISH properties. Ignored (neither sent nor received) under MQTT 3.1.1.
public struct MQTTProperties: Sendable, Hashable {
    public var responseTopic: String?
    public var correlationData: [UInt8]?
    public var contentType: String?
    /// Message expiry interval in seconds. On receipt this is the *remaining* lifetime the broker reports.
    public var messageExpiryInterval: UInt32?
    public var userProperties: [MQTTUserProperty]

    public init(
        responseTopic: String? = nil,
        correlationData: [UInt8]? = nil,
        contentType: String? = nil,
        messageExpiryInterval: UInt32? = nil,
        userProperties: [MQTTUserProperty] = []
    ) {
        self.responseTopic = responseTopic
        self.correlationData = correlationData
        self.contentType = contentType
        self.messageExpiryInterval = messageExpiryInterval
        self.userProperties = userProperties
    }

    /// True when no property is set (nothing to put on the wire).
    public var isEmpty: Bool {
        responseTopic == nil && correlationData == nil && contentType == nil
            && messageExpiryInterval == nil && userProperties.isEmpty
    }
}

/// Last will: published by the broker if the client connection dies without a DISCONNECT.
public struct MQTTWill: Sendable, Hashable {
    public var topic: String
    public var payload: [UInt8]
    public var qos: MQTTQoS
    public var retain: Bool

    public init(topic: String, payload: [UInt8], qos: MQTTQoS = .atLeastOnce, retain: Bool = false) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
    }
}

/// TLS settings for `mqtts://`. With neither `caFile` nor `caPath` the operating system's CA store is used.
public struct MQTTTLSConfiguration: Sendable, Hashable {
    public var caFile: String?
    public var caPath: String?
    /// Client certificate (PEM) for mutual TLS; requires `keyFile`.
    public var certFile: String?
    /// Client private key (PEM, unencrypted) for mutual TLS; requires `certFile`.
    public var keyFile: String?
    /// Disables certificate chain and host name verification. For tests and labs only.
    public var insecureSkipVerify: Bool

    public init(
        caFile: String? = nil,
        caPath: String? = nil,
        certFile: String? = nil,
        keyFile: String? = nil,
        insecureSkipVerify: Bool = false
    ) {
        self.caFile = caFile
        self.caPath = caPath
        self.certFile = certFile
        self.keyFile = keyFile
        self.insecureSkipVerify = insecureSkipVerify
    }
}

/// A received message.
public struct MQTTMessage: Sendable, Hashable {
    public var topic: String
    public var payload: [UInt8]
    public var qos: MQTTQoS
    /// Set for retained messages delivered because of a (re)subscription.
    public var retain: Bool
    public var properties: MQTTProperties

    public init(topic: String, payload: [UInt8], qos: MQTTQoS, retain: Bool, properties: MQTTProperties = .init()) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.properties = properties
    }

    /// The payload decoded as UTF-8 (invalid sequences are replaced).
    public var payloadString: String {
        String(decoding: payload, as: UTF8.self)
    }
}

/// Connection state changes, see `MQTTClient.connectionEvents`.
public enum MQTTConnectionEvent: Sendable, Hashable {
    /// A CONNACK with success was received. `sessionPresent` tells whether the broker resumed a persistent session.
    case connected(sessionPresent: Bool)
    /// The connection was lost or closed. libmosquitto reconnects on its own unless the client was disconnected.
    case disconnected(reason: String)
}

public enum MQTTError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The broker URL could not be parsed; the associated value says why.
    case invalidURL(String)
    /// Connecting failed: refused by the broker (bad credentials, ...), unreachable within the timeout, bad TLS setup, ...
    case connectionFailed(String)
    /// A QoS 0 message could not be sent because there is no connection right now.
    case notConnected
    case publishFailed(String)
    case subscribeFailed(String)
    /// The topic name (publish) or topic filter (subscribe) is not valid MQTT.
    case invalidTopic(String)
    /// The client was disconnected with `disconnect()` (or deinitialised); it cannot be used any more.
    case shutdown
    /// The waiting task was cancelled. For `publishAcknowledged` the message stays queued and will still be delivered.
    case cancelled

    public var description: String {
        switch self {
        case .invalidURL(let reason): "invalid MQTT URL: \(reason)"
        case .connectionFailed(let reason): "MQTT connection failed: \(reason)"
        case .notConnected: "MQTT client is not connected"
        case .publishFailed(let reason): "MQTT publish failed: \(reason)"
        case .subscribeFailed(let reason): "MQTT subscribe failed: \(reason)"
        case .invalidTopic(let topic): "invalid MQTT topic: \(topic)"
        case .shutdown: "MQTT client has been shut down"
        case .cancelled: "MQTT operation cancelled"
        }
    }
}

/// What `MQTTClient.tryPublishAcknowledged` did.
public enum TryPublishOutcome: Sendable, Equatable {
    /// Queued; the callback will be called exactly once.
    case queued
    /// The window was full (`waitForSlot`): the client publishes it, in order, as soon as a slot frees; the callback
    /// will be called exactly once.
    case deferred
    /// The in-flight window is full: nothing was queued and the callback will not be called.
    case noSlot
    /// Refused at once (shutdown, a bad topic, too large); the callback will not be called.
    case failed(MQTTError)
}
