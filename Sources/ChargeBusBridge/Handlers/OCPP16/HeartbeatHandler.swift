import ChargeBusContract
import ChargeBusOCPP

/// Heartbeat: answers the current time and publishes the beat (QoS 0) for heartbeat statistics.
struct HeartbeatHandler: OCPPActionHandler {
    func handle(_ payload: JSONValue, _ context: CallContext) async throws -> JSONValue {
        _ = try context.decode(OCPP16.Heartbeat.Request.self, payload)
        try await context.bus.heartbeat(context.chargerID, HeartbeatInfo(at: context.receivedAt))
        return context.encode(OCPP16.Heartbeat.Response(currentTime: context.environment.now()))
    }
}
