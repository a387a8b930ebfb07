import Metrics

/// The bridge's counters and gauges, exported through swift-metrics (Prometheus at `/metrics`).
struct BridgeMetrics: Sendable {
    let framesIn = Counter(label: "chargebus_bridge_frames_in_total")
    let framesOut = Counter(label: "chargebus_bridge_frames_out_total")
    let callErrorsSent = Counter(label: "chargebus_bridge_callerrors_sent_total")
    let connectionsAccepted = Counter(label: "chargebus_bridge_connections_total")
    let handshakesRefused = Counter(label: "chargebus_bridge_handshakes_refused_total")
    let chargersConnected = Gauge(label: "chargebus_bridge_chargers_connected")
    let silentTimeouts = Counter(label: "chargebus_bridge_silence_timeouts_total")
    let invalidMeterReadings = Counter(label: "chargebus_bridge_invalid_meter_readings_total")
    let publishFailures = Counter(label: "chargebus_bridge_publish_failures_total")
    let badCallRequests = Counter(label: "chargebus_bridge_bad_call_requests_total")
    let frameHandling = Timer(label: "chargebus_bridge_frame_handling_seconds")
    /// Frames answered by `MeterFastPath` (also counted in frames in/out).
    let fastPathFrames = Counter(label: "chargebus_bridge_fast_path_frames_total")
    /// Fast-path readings that found the MQTT in-flight window full and waited for a slot (see `mqttMaxInflight`).
    let fastPathSlotWaits = Counter(label: "chargebus_bridge_fast_path_slot_waits_total")
}
