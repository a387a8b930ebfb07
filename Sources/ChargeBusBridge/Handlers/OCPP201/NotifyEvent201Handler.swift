import ChargeBusContract
import ChargeBusOCPP

/// NotifyEvent (2.0.1): a component reporting a problem becomes the EVSE's (or, without an EVSE,
/// the station's, connector 0) `errorCode`, `vendorErrorCode` and `info`; clearing it returns
/// the error code to NoError. The status itself comes from StatusNotification, as in 1.6.
struct NotifyEvent201Handler: OCPPActionHandler {
    func handle(_ payload: JSONValue, _ context: CallContext) async throws -> JSONValue {
        let request = try context.decode(OCPP201.NotifyEvent.Request.self, payload)
        for event in request.eventData {
            let evse = OCPP201.busConnector(evseId: event.component.evse?.id ?? 0)
            let changed: ChargerSession.SharedStatusKey?
            switch OCPP201.problemState(from: event) {
            case .raised(let problem):
                context.logger.notice("component reports a problem", metadata: [
                    "connector": "\(evse)", "component": "\(event.component.name)", "ocpp.error_code": "\(problem.errorCode)",
                    "vendor.error_code": "\(problem.vendorErrorCode ?? "-")"])
                changed = context.session.updateEVSE(evse) { $0.problem = problem }
            case .cleared:
                changed = context.session.updateEVSE(evse) { $0.problem = nil }
            case .unrelated:
                continue
            }
            try await OCPP201Publishing.publishStatus(evse: evse, changed, context: context)
        }
        return context.encode(OCPP201.NotifyEvent.Response())
    }
}
