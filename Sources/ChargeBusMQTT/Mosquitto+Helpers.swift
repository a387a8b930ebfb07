import CMosquitto

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `mosquitto_lib_init` must run exactly once per process before any other libmosquitto call; Swift initialises
/// globals lazily and exactly once (thread-safe).
let mosquittoLibraryInitialised: Bool = {
    _ = mosquitto_lib_init()
    return true
}()

enum Mosq {
    static let success = Int32(MOSQ_ERR_SUCCESS.rawValue)
    static let noConnection = Int32(MOSQ_ERR_NO_CONN.rawValue)
    static let errnoError = Int32(MOSQ_ERR_ERRNO.rawValue)
    static let connectionLost = Int32(MOSQ_ERR_CONN_LOST.rawValue)
    static let lookupFailed = Int32(MOSQ_ERR_EAI.rawValue)
    static let invalid = Int32(MOSQ_ERR_INVAL.rawValue)
    static let malformedUTF8 = Int32(MOSQ_ERR_MALFORMED_UTF8.rawValue)
    static let payloadSize = Int32(MOSQ_ERR_PAYLOAD_SIZE.rawValue)
    static let timeout = Int32(MOSQ_ERR_TIMEOUT.rawValue)
    static let tlsHandshake = Int32(MOSQ_ERR_TLS_HANDSHAKE.rawValue)

    static func property(_ property: mqtt5_property) -> Int32 {
        Int32(property.rawValue)
    }

    static let subscriptionIdentifier = property(MQTT_PROP_SUBSCRIPTION_IDENTIFIER)
    static let subscriptionIdentifierAvailable = property(MQTT_PROP_SUBSCRIPTION_ID_AVAILABLE)
    static let sessionExpiryInterval = property(MQTT_PROP_SESSION_EXPIRY_INTERVAL)
    static let responseTopic = property(MQTT_PROP_RESPONSE_TOPIC)
    static let correlationData = property(MQTT_PROP_CORRELATION_DATA)
    static let contentType = property(MQTT_PROP_CONTENT_TYPE)
    static let messageExpiryInterval = property(MQTT_PROP_MESSAGE_EXPIRY_INTERVAL)
    static let userProperty = property(MQTT_PROP_USER_PROPERTY)
    static let reasonString = property(MQTT_PROP_REASON_STRING)

    static let sendRetainAlways = Int32(MQTT_SUB_OPT_SEND_RETAIN_ALWAYS.rawValue)
    static let sendRetainNew = Int32(MQTT_SUB_OPT_SEND_RETAIN_NEW.rawValue)

    /// Text for a libmosquitto error code; for MOSQ_ERR_ERRNO the current errno is described.
    static func describe(_ rc: Int32) -> String {
        if rc == Mosq.errnoError {
            let code = currentErrno()
            return String(cString: strerror(code))
        }
        return String(cString: mosquitto_strerror(rc))
    }

    /// Text for an MQTT 5 reason code (>= 0x80 are failures).
    static func reason(_ code: Int32) -> String {
        "\(String(cString: mosquitto_reason_string(code))) (0x\(String(code, radix: 16)))"
    }

    /// Text for a CONNACK return code of either protocol version.
    static func connack(_ code: Int32, v5: Bool) -> String {
        v5 ? reason(code) : "\(String(cString: mosquitto_connack_string(code))) (\(code))"
    }
}

@inline(__always)
func currentErrno() -> Int32 {
    errno
}

/// FNV-1a over the UTF-8 of a topic filter, folded into the MQTT 5 subscription identifier range 1...268_435_455.
/// Stable across processes, so messages queued in a persistent session for an earlier process's subscription
/// still map to the same filter.
func stableSubscriptionIdentifier(for filter: String) -> UInt32 {
    var hash: UInt32 = 2_166_136_261
    for byte in filter.utf8 {
        hash ^= UInt32(byte)
        hash = hash &* 16_777_619
    }
    let folded = (hash ^ (hash >> 28)) & 0x0FFF_FFFF
    return folded == 0 ? 1 : folded
}

/// A `mosquitto_property` list built from Swift values. Call `free()` (use `defer`) when done.
struct PropertyList {
    private(set) var pointer: OpaquePointer?

    init() {}

    mutating func free() {
        mosquitto_property_free_all(&pointer)
    }

    mutating func addString(_ identifier: Int32, _ value: String) -> Int32 {
        value.withCString { mosquitto_property_add_string(&pointer, identifier, $0) }
    }

    mutating func addInt32(_ identifier: Int32, _ value: UInt32) -> Int32 {
        mosquitto_property_add_int32(&pointer, identifier, value)
    }

    mutating func addVarint(_ identifier: Int32, _ value: UInt32) -> Int32 {
        mosquitto_property_add_varint(&pointer, identifier, value)
    }

    mutating func addBinary(_ identifier: Int32, _ value: [UInt8]) -> Int32 {
        guard value.count <= Int(UInt16.max) else { return Mosq.invalid }
        return value.withUnsafeBytes { mosquitto_property_add_binary(&pointer, identifier, $0.baseAddress, UInt16(value.count)) }
    }

    mutating func addStringPair(_ identifier: Int32, _ name: String, _ value: String) -> Int32 {
        name.withCString { namePointer in
            value.withCString { mosquitto_property_add_string_pair(&pointer, identifier, namePointer, $0) }
        }
    }

    /// Adds MQTT 5 PUBLISH properties; returns an error description on failure.
    mutating func addPublishProperties(_ properties: MQTTProperties) -> String? {
        var rc = Mosq.success
        if let responseTopic = properties.responseTopic {
            rc = addString(Mosq.responseTopic, responseTopic)
            if rc != Mosq.success { return "response topic '\(responseTopic)': \(Mosq.describe(rc))" }
        }
        if let correlationData = properties.correlationData {
            rc = addBinary(Mosq.correlationData, correlationData)
            if rc != Mosq.success { return "correlation data (\(correlationData.count) bytes): \(Mosq.describe(rc))" }
        }
        if let contentType = properties.contentType {
            rc = addString(Mosq.contentType, contentType)
            if rc != Mosq.success { return "content type: \(Mosq.describe(rc))" }
        }
        if let expiry = properties.messageExpiryInterval {
            rc = addInt32(Mosq.messageExpiryInterval, expiry)
            if rc != Mosq.success { return "message expiry: \(Mosq.describe(rc))" }
        }
        for property in properties.userProperties {
            rc = addStringPair(Mosq.userProperty, property.name, property.value)
            if rc != Mosq.success { return "user property '\(property.name)': \(Mosq.describe(rc))" }
        }
        return nil
    }
}

/// Properties of a received PUBLISH, plus the subscription identifiers the broker attached.
struct ReceivedProperties {
    var properties = MQTTProperties()
    var subscriptionIdentifiers: [UInt32] = []

    init() {}

    /// Walks a libmosquitto property list once. Strings/binary handed out by libmosquitto are copied and freed.
    init(_ list: OpaquePointer?) {
        var cursor = list
        while let property = cursor {
            let identifier = mosquitto_property_identifier(property)
            switch identifier {
            case Mosq.subscriptionIdentifier:
                var value: UInt32 = 0
                if mosquitto_property_read_varint(property, identifier, &value, false) != nil {
                    subscriptionIdentifiers.append(value)
                }
            case Mosq.responseTopic, Mosq.contentType:
                var value: UnsafeMutablePointer<CChar>?
                if mosquitto_property_read_string(property, identifier, &value, false) != nil, let value {
                    let string = String(cString: value)
                    chargebus_mosquitto_free(value)
                    if identifier == Mosq.responseTopic {
                        properties.responseTopic = string
                    } else {
                        properties.contentType = string
                    }
                }
            case Mosq.correlationData:
                var value: UnsafeMutableRawPointer?
                var length: UInt16 = 0
                if mosquitto_property_read_binary(property, identifier, &value, &length, false) != nil {
                    if let value {
                        properties.correlationData = Array(UnsafeRawBufferPointer(start: value, count: Int(length)))
                        chargebus_mosquitto_free(value)
                    } else {
                        properties.correlationData = []
                    }
                }
            case Mosq.messageExpiryInterval:
                var value: UInt32 = 0
                if mosquitto_property_read_int32(property, identifier, &value, false) != nil {
                    properties.messageExpiryInterval = value
                }
            case Mosq.userProperty:
                var name: UnsafeMutablePointer<CChar>?
                var value: UnsafeMutablePointer<CChar>?
                if mosquitto_property_read_string_pair(property, identifier, &name, &value, false) != nil {
                    if let name, let value {
                        properties.userProperties.append(MQTTUserProperty(name: String(cString: name), value: String(cString: value)))
                    }
                    chargebus_mosquitto_free(name)
                    chargebus_mosquitto_free(value)
                }
            default:
                break
            }
            cursor = mosquitto_property_next(property)
        }
    }
}
