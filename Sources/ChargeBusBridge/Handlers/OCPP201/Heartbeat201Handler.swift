import ChargeBusContract
import ChargeBusOCPP

/// Heartbeat (2.0.1): the current time; the beat is published like a 1.6 one.
struct Heartbeat201Handler: OCPPActionHandler {
    func handle(_ payload: JSONValue, _ context: CallContext) async throws -> JSONValue {
        _ = try context.decode(OCPP201.Heartbeat.Request.self, payload)
        try await context.bus.heartbeat(context.chargerID, HeartbeatInfo(at: context.receivedAt))
        return context.encode(OCPP201.Heartbeat.Response(currentTime: context.environment.now()))
    }
}
