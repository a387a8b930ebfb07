import ChargeBusConfig
import ChargeBusOCPP
import Foundation

/// Everything the bridge's behaviour depends on. Defaults suit a production fleet; every value can
/// come from the `bridge:` section of the config file, and some also from command-line flags.
public struct BridgeConfiguration: Sendable {
    public enum OCPPLogMode: String, Sendable, CaseIterable {
        /// Every frame in and out goes to `{root}/chargers/{cp}/ocpp`.
        case all
        /// Only frames that produced or carried a CALLERROR.
        case errors
        case off
    }

    public var bridgeID: String
    public var topicRoot: String = "ev"
    /// Host and port the WebSocket server listens on.
    public var listenHost: String = "0.0.0.0"
    public var listenPort: Int = 8180
    /// Accept unknown charger ids without a password: for demos and tests only.
    public var autoRegister: Bool = false
    /// The interval the bridge assigns in BootNotification.conf, seconds.
    public var heartbeatIntervalS: Int = 300
    /// A charger silent for longer than heartbeatInterval × offlineGrace is closed and published offline.
    public var offlineGrace: Double = 2.0
    /// How long the bridge waits for a charger to answer a CSMS-initiated call.
    public var callTimeoutS: Double = 30
    /// How long the bridge waits for a BootNotification before it answers other calls anyway.
    public var maxQueuedCallsPerCharger: Int = 8
    /// Strict unless a charger is flagged lenient in the registry; `lenient` here makes every charger lenient.
    public var defaultValidation: OCPPValidationMode = .strict
    public var ocppLog: OCPPLogMode = .all
    /// A reading implying more than maxPower × this factor is invalid.
    public var maxPowerTolerance: Double = 1.1
    /// Wait for the broker's PUBACK before answering the charger, so a frame the charger saw
    /// acknowledged is never lost even if the bridge crashes right after.
    public var acknowledgeAfterBrokerAck: Bool = true
    /// QoS 1 messages the bridge keeps in flight to the broker, and the most it keeps unacknowledged:
    /// past it, chargers wait for their answers (back-pressure). The bridge answers a charger only
    /// after the broker's PUBACK, so throughput is bounded by this window over the PUBACK round
    /// trip: 100 over a loopback round trip allows far more than 20,000 frames/s. A deeper window
    /// costs CPU, because libmosquitto walks its list of unacknowledged messages on every publish
    /// and every PUBACK (measured: 1,000 gave about 5% fewer frames/s than 100 on 2 cores). It
    /// matches `max_inflight_messages 100` in the repo's mosquitto.conf, which mosquitto also
    /// announces as its Receive Maximum; raise both for a broker far away.
    public var mqttMaxInflight: Int = 100
    /// How often the registry is compared with what `{root}/chargers/{cp}/info` says, seconds.
    public var registrySyncIntervalS: Int = 15
    /// WebSocket frames above this size are refused (OCPP messages are small).
    public var maxFrameBytes: Int = 65_536
    /// Answer plainly valid OCPP 1.6 MeterValues on the connection's event loop (`MeterFastPath`): same answers
    /// and bus messages, several times less CPU per frame. Off sends every frame through the session.
    public var meterFastPath: Bool = true

    public init(bridgeID: String) {
        self.bridgeID = bridgeID
    }

    public var pingIntervalS: Double { max(1, min(Double(heartbeatIntervalS) / 2, 60)) }
    public var silenceLimitS: Double { Double(heartbeatIntervalS) * offlineGrace }

    /// Applies the `bridge:` section of a config file over the current values.
    public mutating func apply(file root: ConfigNode) throws(ConfigError) {
        let section = try root.section("bridge")
        try section.rejectUnknownKeys([
            "id", "heartbeatIntervalS", "offlineGrace", "callTimeoutS", "maxQueuedCallsPerCharger",
            "validation", "ocppLog", "maxPowerTolerance", "acknowledgeAfterBrokerAck", "maxFrameBytes", "listen", "registrySyncIntervalS", "mqttMaxInflight",
            "autoRegister", "meterFastPath",
        ])
        if let id = try section.string("id") {
            guard Topics.isValidLevel(id) else { throw section.child("id")!.error("must not be empty or contain / + #") }
            bridgeID = id
        }
        if let value = try section.int("heartbeatIntervalS", in: 1...86_400) { heartbeatIntervalS = value }
        if let value = try section.double("offlineGrace", in: 1...100) { offlineGrace = value }
        if let value = try section.double("callTimeoutS", in: 0.1...3600) { callTimeoutS = value }
        if let value = try section.int("maxQueuedCallsPerCharger", in: 1...1000) { maxQueuedCallsPerCharger = value }
        if let value = try section.choice("validation", as: ValidationSetting.self) {
            defaultValidation = value == .lenient ? .lenient : .strict
        }
        if let value = try section.choice("ocppLog", as: OCPPLogMode.self) { ocppLog = value }
        if let value = try section.double("maxPowerTolerance", in: 1...10) { maxPowerTolerance = value }
        if let value = try section.bool("acknowledgeAfterBrokerAck") { acknowledgeAfterBrokerAck = value }
        if let value = try section.int("maxFrameBytes", in: 1024...16_777_216) { maxFrameBytes = value }
        if let value = try section.int("registrySyncIntervalS", in: 1...3600) { registrySyncIntervalS = value }
        if let value = try section.int("mqttMaxInflight", in: 1...65_535) { mqttMaxInflight = value }
        if let value = try section.bool("autoRegister") { autoRegister = value }
        if let value = try section.bool("meterFastPath") { meterFastPath = value }
        if let listen = try section.string("listen") {
            guard let (host, port) = Self.parseListen(listen) else {
                throw section.child("listen")!.error("expected HOST:PORT, got \"\(listen)\"")
            }
            listenHost = host
            listenPort = port
        }
    }

    enum ValidationSetting: String, CaseIterable { case strict, lenient }

    /// Parses `HOST:PORT` or `[v6]:PORT`.
    public static func parseListen(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        guard let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port), !host.isEmpty else { return nil }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }
}

import ChargeBusContract

extension Topics {
    /// Whether a string can be one topic level (bridge ids, site ids).
    static func isValidLevel(_ text: String) -> Bool {
        !text.isEmpty && !text.contains(where: { $0 == "/" || $0 == "+" || $0 == "#" })
    }
}
