import ChargeBusContract
import ChargeBusOCPP

/// MeterValues (2.0.1): normalized (units and multipliers), validated and published per EVSE.
struct MeterValues201Handler: OCPPActionHandler {
    func handle(_ payload: JSONValue, _ context: CallContext) async throws -> JSONValue {
        let request = try context.decode(OCPP201.MeterValues.Request.self, payload)
        let evse = OCPP201.busConnector(evseId: request.evseId)
        for value in request.meterValue {
            try await OCPP201Publishing.publishMeter(value, evse: evse, transactionID: nil, context: context)
        }
        return context.encode(OCPP201.MeterValues.Response())
    }
}
