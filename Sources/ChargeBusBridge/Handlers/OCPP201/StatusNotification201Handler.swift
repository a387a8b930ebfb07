import ChargeBusContract
import ChargeBusOCPP

/// StatusNotification (2.0.1): the connector status combines with the EVSE's charging state and
/// any active problem into the shared status of `connectors/{evseId}/status`.
struct StatusNotification201Handler: OCPPActionHandler {
    func handle(_ payload: JSONValue, _ context: CallContext) async throws -> JSONValue {
        let request = try context.decode(OCPP201.StatusNotification.Request.self, payload)
        let evse = OCPP201.busConnector(evseId: request.evseId)
        let changed = context.session.updateEVSE(evse) { state in
            state.connectorStatus = request.connectorStatus
            // Unplugged: the last session's Finishing is over.
            if request.connectorStatus == .available { state.transactionEnded = false; state.chargingState = nil }
        }
        try await OCPP201Publishing.publishStatus(evse: evse, changed, context: context)
        return context.encode(OCPP201.StatusNotification.Response())
    }
}
