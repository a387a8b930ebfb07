import ChargeBusContract
import ChargeBusMQTT
import Foundation
import Logging
import Metrics

/// MQTT settings every daemon shares: a stable client id and a persistent session, so that
/// nothing published while the daemon restarts is lost (the broker queues it for the session).
public enum DaemonMQTT {
    /// - Parameters:
    ///   - daemon: `health`, `alerts`, `notify`, `commands`.
    ///   - instance: distinguishes several instances of one daemon (default: none).
    public static func configuration(url: String, daemon: String, instance: String? = nil,
                                     sessionExpirySeconds: UInt32 = 7 * 24 * 3600) throws -> MQTTConfiguration {
        let clientID = ["chargebus", daemon, instance].compactMap { $0 }.joined(separator: "-")
        var configuration = try MQTTConfiguration(url: url, clientID: clientID)
        configuration.usePersistentSession(expirySeconds: sessionExpirySeconds)
        return configuration
    }
}

/// Decodes bus payloads for a daemon. A payload that does not decode is logged with its topic,
/// counted in `chargebus_bad_payloads_total{daemon,topic_kind}`, and skipped: one bad message
/// never stops a daemon.
public struct PayloadInbox: Sendable {
    public let daemon: String
    let logger: Logger

    public init(daemon: String, logger: Logger) {
        self.daemon = daemon
        self.logger = logger
    }

    /// The decoded payload, or nil (logged and counted) when it is not valid.
    /// An empty payload on a retained topic means "cleared": use `isCleared` first where that applies.
    public func decode<T: Decodable>(_ type: T.Type, from message: MQTTMessage, kind: String) -> T? {
        do {
            return try BusCoding.decode(type, from: message.payload)
        } catch {
            reject(message, kind: kind, reason: "\(error)")
            return nil
        }
    }

    public func isCleared(_ message: MQTTMessage) -> Bool { message.payload.isEmpty }

    /// Records a message the daemon cannot use.
    public func reject(_ message: MQTTMessage, kind: String, reason: String) {
        Counter(label: "chargebus_bad_payloads_total", dimensions: [("daemon", daemon), ("topic_kind", kind)]).increment()
        let preview = String(decoding: message.payload.prefix(200), as: UTF8.self)
        logger.warning("invalid payload skipped", metadata: [
            "mqtt.topic": .string(message.topic), "reason": .string(reason), "payload": .string(preview),
        ])
    }
}
